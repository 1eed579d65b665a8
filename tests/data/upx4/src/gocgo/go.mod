module example.com/linkguard/upxgocgo

go 1.21
