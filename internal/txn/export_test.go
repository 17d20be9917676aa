package txn

// For the external tests (crash_test.go), which run install's commands and stop them between steps.

// SetAfterStep makes f run after each step of Apply, as the crash-hook build does.
func SetAfterStep(f func(step string)) { afterStep = f }

const StagePrefix = stagePrefix
