module example.com/linkguard/upxgostatic

go 1.21
