module example.com/linkguard/seed

go 1.21
