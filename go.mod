module genuine

go 1.26
