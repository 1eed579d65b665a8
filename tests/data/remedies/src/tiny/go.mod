module example.com/linkguard/tiny

go 1.21
