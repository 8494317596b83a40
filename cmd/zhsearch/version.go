package main

import (
	"fmt"
	"runtime"
	"runtime/debug"
)

// commit is stamped at build time with -ldflags "-X main.commit=…" (the
// Dockerfile and the documented build command do): builds without VCS
// stamping (-buildvcs=false, a container build without .git) know it only
// this way.
var commit = ""

// versionString is the stamped version, the commit (stamped, else from the
// build's VCS information), and the Go version.
func versionString() string {
	s := "zhsearch " + version
	if commit != "" {
		return s + " (" + commit + ") " + runtime.Version()
	}
	if info, ok := debug.ReadBuildInfo(); ok {
		var rev, dirty string
		for _, kv := range info.Settings {
			switch kv.Key {
			case "vcs.revision":
				rev = kv.Value
			case "vcs.modified":
				if kv.Value == "true" {
					dirty = "+dirty"
				}
			}
		}
		if len(rev) > 12 {
			rev = rev[:12]
		}
		if rev != "" {
			s += fmt.Sprintf(" (%s%s)", rev, dirty)
		}
	}
	return s + " " + runtime.Version()
}
