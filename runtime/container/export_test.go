package container

// WithPortChooser makes the Runtime choose replicas' host ports with
// choose instead of freePort, so that a test can hand it a taken port.
func WithPortChooser(choose func() (int, error)) Option {
	return func(r *Runtime) { r.choosePort = choose }
}
