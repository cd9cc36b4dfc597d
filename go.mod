module github.com/nubo/nubo

go 1.26.8
