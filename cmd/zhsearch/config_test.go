package main

import (
	"errors"
	"flag"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/zhsearch/zhsearch/api"
	"github.com/zhsearch/zhsearch/query"
)

func envOf(kv ...string) func(string) string {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return func(k string) string { return m[k] }
}

func TestConfigFlagsWinOverEnv(t *testing.T) {
	var help strings.Builder
	cfg, _, err := parseConfig("zhsearch serve", []string{"--listen", ":9000", "--max-size", "7"},
		envOf("ZHSEARCH_LISTEN", "127.0.0.1:1", "ZHSEARCH_MAX_SIZE", "3", "ZHSEARCH_API_KEY", "a, b,,c",
			"ZHSEARCH_CORS_ORIGINS", "https://a.example, http://b.example:8080", "ZHSEARCH_REQUEST_TIMEOUT", "2s",
			"ZHSEARCH_MAX_BODY", "512KiB", "ZHSEARCH_SEED", "false", "ZHSEARCH_TIMEZONE", "UTC"), &help)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Listen != ":9000" || cfg.MaxSize != 7 {
		t.Errorf("flags did not win: %q %d", cfg.Listen, cfg.MaxSize)
	}
	if strings.Join(cfg.APIKeys, "|") != "a|b|c" || len(cfg.CORSOrigins) != 2 || cfg.RequestTimeout != 2*time.Second ||
		cfg.MaxBodyBytes != 512<<10 || cfg.Seed || cfg.Timezone.String() != "UTC" {
		t.Errorf("env not applied: %+v", cfg)
	}
	def, _, err := parseConfig("zhsearch serve", nil, envOf(), &help)
	if err != nil {
		t.Fatal(err)
	}
	if def.MaxQueryLen != query.MaxRunes || def.RequestTimeout != api.DefaultSearchTimeout {
		t.Errorf("defaults: query length %d, request timeout %s; want the parser's %d and the API's search deadline %s",
			def.MaxQueryLen, def.RequestTimeout, query.MaxRunes, api.DefaultSearchTimeout)
	}
	if def.Listen != "127.0.0.1:8080" || def.Timezone.String() != "Asia/Shanghai" || !def.Seed || def.LogFormat != "text" {
		t.Errorf("defaults: %+v", def)
	}
}

// TestSeedDefault: the demo seed page goes into the in-memory index
// only, unless --seed / ZHSEARCH_SEED says otherwise.
func TestSeedDefault(t *testing.T) {
	for _, tc := range []struct {
		args []string
		env  []string
		want bool
	}{
		{nil, nil, true},
		{[]string{"--data", "d"}, nil, false},
		{nil, []string{"ZHSEARCH_DATA", "d"}, false},
		{[]string{"--data", "d", "--seed"}, nil, true},
		{[]string{"--data", "d"}, []string{"ZHSEARCH_SEED", "true"}, true},
		{nil, []string{"ZHSEARCH_SEED", "false"}, false},
		{[]string{"--seed=auto", "--data", "d"}, nil, false},
	} {
		cfg, _, err := parseConfig("zhsearch serve", tc.args, envOf(tc.env...), &strings.Builder{})
		if err != nil || cfg.Seed != tc.want {
			t.Errorf("%v %v: seed %v, %v; want %v", tc.args, tc.env, cfg != nil && cfg.Seed, err, tc.want)
		}
	}
}

func TestConfigErrorsNameTheSetting(t *testing.T) {
	for _, tc := range []struct {
		args []string
		env  []string
		want string
	}{
		{[]string{"--max-searches", "0"}, nil, "max-searches"},
		{nil, []string{"ZHSEARCH_MAX_QUERY_LEN", "-1"}, "ZHSEARCH_MAX_QUERY_LEN"},
		{[]string{"--max-query-len", "257"}, nil, "from 1 to 256"}, // the parser's limit, query.MaxRunes
		{nil, []string{"ZHSEARCH_CORS_ORIGINS", "https://a.example/path"}, "ZHSEARCH_CORS_ORIGINS"},
		{nil, []string{"ZHSEARCH_SHUTDOWN_GRACE", "-1s"}, "ZHSEARCH_SHUTDOWN_GRACE"},
		{nil, []string{"ZHSEARCH_LOG_LEVEL", "loud"}, "ZHSEARCH_LOG_LEVEL"},
		{[]string{"--nope"}, nil, "nope"},
	} {
		t.Run(tc.want, func(t *testing.T) {
			_, _, err := parseConfig("zhsearch serve", tc.args, envOf(tc.env...), &strings.Builder{})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v does not name %s", err, tc.want)
			}
		})
	}
}

func TestSecretsNotEchoed(t *testing.T) {
	// A key cannot be invalid today, but the message path must hide it.
	c := &Config{}
	for _, s := range c.settings() {
		if strings.Contains(s.name, "key") && !s.secret {
			t.Errorf("--%s is not marked secret", s.name)
		}
	}
}

// TestHelpAndREADMEListEverySetting keeps serve --help and the README's
// table in step with the settings.
func TestHelpAndREADMEListEverySetting(t *testing.T) {
	var help strings.Builder
	if _, _, err := parseConfig("zhsearch serve", []string{"--help"}, envOf(), &help); !errors.Is(err, flag.ErrHelp) {
		t.Fatal(err)
	}
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	var want strings.Builder
	for _, s := range (&Config{}).settings() {
		if !strings.Contains(help.String(), "--"+s.name+" (env "+s.env+", default ") {
			t.Errorf("--help lacks --%s", s.name)
		}
		row := readmeRow(s)
		want.WriteString(row + "\n")
		if !strings.Contains(string(readme), row) {
			t.Errorf("README lacks the row %s", row)
		}
	}
	if t.Failed() {
		t.Logf("the README's table should read:\n%s", want.String())
	}
}

func readmeRow(s setting) string {
	def := "`" + s.def + "`"
	if s.def == "" {
		def = "—"
	}
	return "| `--" + s.name + "` | `" + s.env + "` | " + def + " | " + s.usage + " |"
}

func TestReadyzURL(t *testing.T) {
	for in, want := range map[string]string{
		"127.0.0.1:8080": "http://127.0.0.1:8080/readyz",
		"0.0.0.0:8080":   "http://127.0.0.1:8080/readyz",
		":8080":          "http://127.0.0.1:8080/readyz",
		"[::]:8080":      "http://127.0.0.1:8080/readyz",
		"[::1]:9":        "http://[::1]:9/readyz",
		"example.com:80": "http://example.com:80/readyz",
	} {
		if got, err := readyzURL(in); err != nil || got != want {
			t.Errorf("readyzURL(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := readyzURL("8080"); err == nil {
		t.Error("readyzURL(8080) did not fail")
	}
}

func TestMarkText(t *testing.T) {
	in := "他说&lt;好&gt;,<mark>二七经开区</mark>很好"
	if got := markText(in, false); got != "他说<好>,二七经开区很好" {
		t.Errorf("plain: %q", got)
	}
	if got := markText(in, true); got != "他说<好>,"+ansiMark+"二七经开区"+ansiReset+"很好" {
		t.Errorf("colour: %q", got)
	}
}
