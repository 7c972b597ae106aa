// Package buildinfo holds the version stamped into the binary at build time
// (go build -ldflags "-X github.com/reelview/reelview/app/buildinfo.Version=…").
package buildinfo

import "runtime/debug"

// Set by the linker; see the Dockerfile and Taskfile.yml.
var (
	Version   = "dev"
	Commit    = ""
	BuildTime = ""
)

// Info is the build identity reported by /health and `reelview version`.
type Info struct {
	Version   string `json:"version" example:"1.4.0"`
	Commit    string `json:"commit" example:"3f2a9c1"`
	BuildTime string `json:"build_time" example:"2026-11-25T12:00:00Z"`
}

// Get returns the build identity; without linker flags it falls back to the
// VCS stamp that `go build` records.
func Get() Info {
	info := Info{Version: Version, Commit: Commit, BuildTime: BuildTime}
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			switch {
			case s.Key == "vcs.revision" && info.Commit == "":
				info.Commit = s.Value
			case s.Key == "vcs.time" && info.BuildTime == "":
				info.BuildTime = s.Value
			}
		}
	}
	if info.Commit == "" {
		info.Commit = "unknown"
	}
	if info.BuildTime == "" {
		info.BuildTime = "unknown"
	}
	return info
}
