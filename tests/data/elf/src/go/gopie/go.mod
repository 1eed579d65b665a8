module example.com/fixtures/gopie

go 1.21
