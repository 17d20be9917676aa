package agents

import (
	"os"
	"runtime"
)

// FromOS reads the real environment: the platform, the home folder and the variables the table names.
func FromOS() (Env, error) {
	home, err := os.UserHomeDir()
	if err != nil {
		return Env{}, err
	}
	env := Env{GOOS: runtime.GOOS, Home: home, Vars: map[string]string{}}
	for _, v := range Variables() {
		if s, ok := os.LookupEnv(v); ok {
			env.Vars[v] = s
		}
	}
	return env, nil
}

// DirExists reports whether path is a folder (following symlinks); it is the exists func for Installed.
func DirExists(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.IsDir()
}
