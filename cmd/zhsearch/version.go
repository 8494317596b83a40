package main

import (
	"fmt"
	"runtime"
	"runtime/debug"
)

// versionString is the stamped version, the commit when the build knows
// it, and the Go version.
func versionString() string {
	s := "zhsearch " + version
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
