module example.com/fixtures/gostatic

go 1.21
