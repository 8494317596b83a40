package tokenizer

//go:generate go run ./internal/gent2s t2s_table.go
//go:generate go run ./internal/gendict dict/zh_s.txt.gz
