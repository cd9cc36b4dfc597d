// Package clock is Nubo's one source of time: real time plus an offset that tests
// advance through POST /_nubo/clock/advance. Everything time-driven (schedules,
// alarms, visibility timeouts, delays, retention, retries, credential expiry, idle
// reaping) reads Now and schedules work with the Scheduler, so advancing the clock
// runs, in time order, every timer that fell due in the skipped interval before
// Advance returns.
package clock

import "time"

// Clock tells Nubo time.
type Clock interface {
	// Now returns the current Nubo time: real time plus the accumulated offset.
	Now() time.Time
}

// Timer is a scheduled callback.
type Timer interface {
	// Stop cancels the timer; it reports whether the timer was still pending.
	Stop() bool
}

// Scheduler is a Clock that also runs callbacks at Nubo times.
type Scheduler interface {
	Clock
	// AfterFunc runs fn once Now has advanced by d (d <= 0: as soon as possible).
	AfterFunc(d time.Duration, fn func()) Timer
	// At runs fn once Now reaches t.
	At(t time.Time, fn func()) Timer
}
