// Package metrics is the sink services record metric data into (Lambda
// Invocations and Duration, SQS message counts, S3 request metrics …). The
// CloudWatch service implements Sink with durable storage; until it is wired
// in, a Recorder keeps recent data in memory. Data points follow CloudWatch's
// MetricDatum: a single value, a statistic set, or a distribution of values
// with counts.
package metrics

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"
)

// Dimension is a name/value pair identifying a metric.
type Dimension struct {
	Name  string
	Value string
}

// StatisticSet is a pre-aggregated set of samples.
type StatisticSet struct {
	SampleCount float64
	Sum         float64
	Minimum     float64
	Maximum     float64
}

// Datum is one metric data point. Exactly one of Value (the default),
// Statistics or Values (with optional Counts, each defaulting to 1) carries
// the data.
type Datum struct {
	Namespace  string
	MetricName string
	Dimensions []Dimension
	// Time is the point's timestamp; the zero time means "when recorded" and
	// is left for the sink to fill.
	Time       time.Time
	Value      float64
	Statistics *StatisticSet
	Values     []float64
	Counts     []float64
	// Unit is a CloudWatch unit name ("Count", "Milliseconds" …); empty means
	// "None".
	Unit string
	// StorageResolution is 1 (high resolution) or 60; 0 means 60.
	StorageResolution int
}

// Sink receives metric data. Record must not block for long and must be safe
// for concurrent use; sinks report their own storage errors (logging them),
// since the recording service cannot act on them.
type Sink interface {
	Record(ctx context.Context, data ...Datum)
}

// MaxDimensions is CloudWatch's limit on dimensions per metric.
const MaxDimensions = 30

// Validate reports the first reason d is not a valid CloudWatch datum.
func (d Datum) Validate() error {
	switch {
	case d.Namespace == "":
		return errors.New("metrics: namespace is empty")
	case d.MetricName == "":
		return errors.New("metrics: metric name is empty")
	case len(d.Dimensions) > MaxDimensions:
		return fmt.Errorf("metrics: %d dimensions, at most %d allowed", len(d.Dimensions), MaxDimensions)
	case d.StorageResolution != 0 && d.StorageResolution != 1 && d.StorageResolution != 60:
		return fmt.Errorf("metrics: storage resolution %d is not 1 or 60", d.StorageResolution)
	case d.Statistics != nil && len(d.Values) > 0:
		return errors.New("metrics: both statistic values and values set")
	case len(d.Counts) > 0 && len(d.Counts) != len(d.Values):
		return fmt.Errorf("metrics: %d counts for %d values", len(d.Counts), len(d.Values))
	}
	for _, dim := range d.Dimensions {
		if dim.Name == "" || dim.Value == "" {
			return fmt.Errorf("metrics: dimension %q=%q has an empty name or value", dim.Name, dim.Value)
		}
	}
	if s := d.Statistics; s != nil && (s.SampleCount <= 0 || s.Minimum > s.Maximum) {
		return fmt.Errorf("metrics: invalid statistic set %+v", *s)
	}
	return nil
}

// Sum returns the sum of the samples the datum carries.
func (d Datum) Sum() float64 {
	switch {
	case d.Statistics != nil:
		return d.Statistics.Sum
	case len(d.Values) > 0:
		total := 0.0
		for i, v := range d.Values {
			total += v * d.count(i)
		}
		return total
	default:
		return d.Value
	}
}

// SampleCount returns how many samples the datum carries.
func (d Datum) SampleCount() float64 {
	switch {
	case d.Statistics != nil:
		return d.Statistics.SampleCount
	case len(d.Values) > 0:
		n := 0.0
		for i := range d.Values {
			n += d.count(i)
		}
		return n
	default:
		return 1
	}
}

func (d Datum) count(i int) float64 {
	if i < len(d.Counts) {
		return d.Counts[i]
	}
	return 1
}

// HasDimensions reports whether d carries every dimension in dims.
func (d Datum) HasDimensions(dims ...Dimension) bool {
	for _, want := range dims {
		if !slices.Contains(d.Dimensions, want) {
			return false
		}
	}
	return true
}

// clone returns d with its slices and statistic set copied.
func (d Datum) clone() Datum {
	d.Dimensions = slices.Clone(d.Dimensions)
	d.Values = slices.Clone(d.Values)
	d.Counts = slices.Clone(d.Counts)
	if d.Statistics != nil {
		s := *d.Statistics
		d.Statistics = &s
	}
	return d
}

// Discard is a Sink that drops everything.
type Discard struct{}

// Record implements Sink.
func (Discard) Record(context.Context, ...Datum) {}

// Multi returns a Sink that records into each of sinks in turn.
func Multi(sinks ...Sink) Sink { return multi(slices.Clone(sinks)) }

type multi []Sink

func (m multi) Record(ctx context.Context, data ...Datum) {
	for _, s := range m {
		s.Record(ctx, data...)
	}
}
