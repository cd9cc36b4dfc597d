package metrics

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"
)

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func fixed() time.Time { return t0 }

func TestValidate(t *testing.T) {
	ok := Datum{Namespace: "AWS/Lambda", MetricName: "Invocations", Value: 1}
	tooMany := make([]Dimension, MaxDimensions+1)
	for i := range tooMany {
		tooMany[i] = Dimension{Name: string(rune('a' + i%26)), Value: "v"}
	}
	tests := []struct {
		name    string
		mutate  func(d *Datum)
		wantErr string
	}{
		{"valid", func(*Datum) {}, ""},
		{"no namespace", func(d *Datum) { d.Namespace = "" }, "namespace"},
		{"no name", func(d *Datum) { d.MetricName = "" }, "metric name"},
		{"too many dims", func(d *Datum) { d.Dimensions = tooMany }, "dimensions"},
		{"empty dim value", func(d *Datum) { d.Dimensions = []Dimension{{"FunctionName", ""}} }, "empty"},
		{"resolution", func(d *Datum) { d.StorageResolution = 5 }, "resolution"},
		{"high resolution", func(d *Datum) { d.StorageResolution = 1 }, ""},
		{"counts mismatch", func(d *Datum) { d.Values, d.Counts = []float64{1, 2}, []float64{1} }, "counts"},
		{"both stats and values", func(d *Datum) {
			d.Values, d.Statistics = []float64{1}, &StatisticSet{SampleCount: 1}
		}, "both"},
		{"bad stats", func(d *Datum) { d.Statistics = &StatisticSet{SampleCount: 1, Minimum: 2, Maximum: 1} }, "statistic"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := ok
			tc.mutate(&d)
			err := d.Validate()
			if tc.wantErr == "" && err != nil || tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
				t.Fatalf("Validate = %v, want error containing %q", err, tc.wantErr)
			}
		})
	}
}

func TestSumAndSampleCount(t *testing.T) {
	tests := []struct {
		name       string
		d          Datum
		sum, count float64
	}{
		{"value", Datum{Value: 3}, 3, 1},
		{"stats", Datum{Statistics: &StatisticSet{SampleCount: 4, Sum: 10, Minimum: 1, Maximum: 4}}, 10, 4},
		{"values", Datum{Values: []float64{1, 2, 3}}, 6, 3},
		{"values counts", Datum{Values: []float64{1, 2}, Counts: []float64{3, 4}}, 11, 7},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.d.Sum() != tc.sum || tc.d.SampleCount() != tc.count {
				t.Fatalf("Sum, SampleCount = %v, %v; want %v, %v", tc.d.Sum(), tc.d.SampleCount(), tc.sum, tc.count)
			}
		})
	}
}

func TestRecorderQuery(t *testing.T) {
	r := NewRecorder(100, fixed)
	fn := func(name string) Dimension { return Dimension{"FunctionName", name} }
	ctx := context.Background()
	r.Record(ctx,
		Datum{Namespace: "AWS/Lambda", MetricName: "Invocations", Dimensions: []Dimension{fn("a")}, Value: 1},
		Datum{Namespace: "AWS/Lambda", MetricName: "Invocations", Dimensions: []Dimension{fn("b")}, Value: 1},
		Datum{Namespace: "AWS/Lambda", MetricName: "Invocations", Dimensions: []Dimension{fn("a"), {"Resource", "a:1"}}, Value: 2},
		Datum{Namespace: "AWS/Lambda", MetricName: "Duration", Dimensions: []Dimension{fn("a")}, Values: []float64{10, 20}},
		Datum{Namespace: "AWS/SQS", MetricName: "NumberOfMessagesSent", Value: 5, Time: t0.Add(time.Hour)},
		Datum{Namespace: "", MetricName: "bad"},
	)
	tests := []struct {
		name  string
		q     Query
		count int
		sum   float64
	}{
		{"all", Query{}, 5, 39},
		{"namespace", Query{Namespace: "AWS/Lambda"}, 4, 34},
		{"name", Query{Namespace: "AWS/Lambda", MetricName: "Invocations"}, 3, 4},
		{"dimension subset", Query{MetricName: "Invocations", Dimensions: []Dimension{fn("a")}}, 2, 3},
		{"two dimensions", Query{Dimensions: []Dimension{fn("a"), {"Resource", "a:1"}}}, 1, 2},
		{"time range", Query{Start: t0.Add(time.Minute)}, 1, 5},
		{"before", Query{End: t0.Add(time.Minute)}, 4, 34},
		{"no match", Query{Namespace: "AWS/S3"}, 0, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := r.Find(tc.q); len(got) != tc.count {
				t.Fatalf("Find = %d points, want %d", len(got), tc.count)
			}
			if got := r.Sum(tc.q); got != tc.sum {
				t.Fatalf("Sum = %v, want %v", got, tc.sum)
			}
		})
	}
	if r.Invalid() != 1 {
		t.Fatalf("Invalid = %d", r.Invalid())
	}
	if got := r.Find(Query{MetricName: "Invocations"})[0].Time; !got.Equal(t0) {
		t.Fatalf("untimed point stamped %v", got)
	}
}

func TestRecorderRingAndCopies(t *testing.T) {
	r := NewRecorder(3, fixed)
	dims := []Dimension{{"Q", "x"}}
	for i := range 5 {
		r.Record(context.Background(), Datum{Namespace: "N", MetricName: "M", Dimensions: dims, Value: float64(i)})
	}
	dims[0].Value = "changed" // the recorder must have copied the slice
	got := r.Find(Query{Dimensions: []Dimension{{"Q", "x"}}})
	if len(got) != 3 || got[0].Value != 2 || got[2].Value != 4 {
		t.Fatalf("ring kept %+v, want values 2,3,4 oldest first", got)
	}
	got[0].Dimensions[0].Value = "mutated"
	if r.Find(Query{})[0].Dimensions[0].Value != "x" {
		t.Fatal("Find returned shared slices")
	}
	if r.Len() != 3 || r.Total() != 5 {
		t.Fatalf("Len, Total = %d, %d", r.Len(), r.Total())
	}
	r.Reset()
	if r.Len() != 0 || r.Total() != 0 || len(r.Find(Query{})) != 0 {
		t.Fatal("Reset left data")
	}
}

func TestMultiAndDiscard(t *testing.T) {
	a, b := NewRecorder(10, fixed), NewRecorder(10, fixed)
	m := Multi(a, Discard{}, b)
	m.Record(context.Background(), Datum{Namespace: "N", MetricName: "M", Value: 1}, Datum{Namespace: "N", MetricName: "M", Value: 2})
	if a.Sum(Query{}) != 3 || b.Sum(Query{}) != 3 {
		t.Fatalf("fan-out sums %v, %v", a.Sum(Query{}), b.Sum(Query{}))
	}
}

func TestRecorderConcurrent(t *testing.T) {
	r := NewRecorder(50, nil)
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 200 {
				r.Record(context.Background(), Datum{Namespace: "N", MetricName: "M", Value: 1})
				_ = r.Find(Query{Namespace: "N"})
			}
		})
	}
	wg.Wait()
	if r.Total() != 800 || r.Len() != 50 {
		t.Fatalf("Total %d Len %d", r.Total(), r.Len())
	}
}
