module example.com/linkguard/netuser

go 1.21
