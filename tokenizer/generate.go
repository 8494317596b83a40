package tokenizer

//go:generate go run ./internal/gent2s t2s_table.go
