module example.com/fixtures/gocgo

go 1.21
