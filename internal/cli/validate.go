// SPDX-License-Identifier: Apache-2.0

package cli

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// maxConcurrency bounds the concurrency flags: more than this many agents at once only
// loads the API server (its exec streams), it does not go faster.
const maxConcurrency = 1024

// invalid marks err, a refused flag or argument, as "could not run" (exit 2).
func invalid(err error) error {
	if err == nil {
		return nil
	}
	var ee *ExitError
	if errors.As(err, &ee) {
		return err
	}
	return &ExitError{Code: exitBroken, Err: err}
}

// positive refuses a zero or negative duration flag.
func positive(flag string, d time.Duration) error {
	if d <= 0 {
		return fmt.Errorf("--%s must be positive, got %s", flag, d)
	}
	return nil
}

// notNegative refuses a negative duration flag whose zero means "unset".
func notNegative(flag string, d time.Duration) error {
	if d < 0 {
		return fmt.Errorf("--%s must not be negative, got %s", flag, d)
	}
	return nil
}

// inRange refuses an integer flag outside [lo, hi].
func inRange(flag string, n, lo, hi int) error {
	if n < lo || n > hi {
		return fmt.Errorf("--%s must be between %d and %d, got %d", flag, lo, hi, n)
	}
	return nil
}

// checkIDs refuses an explicitly given but empty --check/--skip list, or an empty ID in
// it: `--check ""` would otherwise select every check.
func checkIDs(flag string, set bool, ids []string) error {
	if set && len(ids) == 0 {
		return fmt.Errorf("--%s is empty: name at least one check ID (kubectl bgpnet doctor --list)", flag)
	}
	for _, id := range ids {
		if strings.TrimSpace(id) == "" {
			return fmt.Errorf("--%s %q: an empty check ID", flag, strings.Join(ids, ","))
		}
	}
	return nil
}

// validSubject checks a --subject: NAME, KIND/NAME or KIND/NAMESPACE/NAME, no part empty.
func validSubject(s string) error {
	parts := strings.Split(s, "/")
	if len(parts) > 3 {
		return fmt.Errorf("--subject %q: want KIND/NAME, KIND/NAMESPACE/NAME or NAME", s)
	}
	for _, p := range parts {
		if strings.TrimSpace(p) == "" {
			return fmt.Errorf("--subject %q: an empty part; want KIND/NAME, KIND/NAMESPACE/NAME or NAME", s)
		}
	}
	return nil
}
