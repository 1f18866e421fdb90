package cost

import (
	"math"
	"testing"
)

func TestBreakEven(t *testing.T) {
	serverless, err := Of(serverlessResult(), Default())
	if err != nil {
		t.Fatal(err)
	}
	provisioned, err := Of(provisionedResult(), Default())
	if err != nil {
		t.Fatal(err)
	}
	// one task of 1 vCPU at 1 $/vCPU-hour serving 100 req/s an instance:
	// 730 $ a month per 100 req/s started.
	staircase := Estimate{Containers: []Container{{VCPU: 1, CapacityRPS: 100}}, VCPUHourUSD: 1}
	tests := []struct {
		name                    string
		serverless, provisioned Estimate
		want                    float64
		ok                      bool
	}{
		{
			// 1e-6 $/request × 2,628,000 s = 2.628 $ a month per req/s,
			// against 0.1 $/h × 730 = 73 $: 73 / 2.628 = 27.777… req/s.
			name:        "linear against constant",
			serverless:  Estimate{UsageUSDPerRequest: 1e-6},
			provisioned: Estimate{FixedUSDPerHour: 0.1},
			want:        0.1 / 1e-6 / 3600, ok: true,
		},
		{
			// serverless 2.86667e-6 $/request = 7.53360876 $ a month per
			// req/s; provisioned 52.4651 $ a month up to 125 req/s:
			// 52.4651 / 7.53360876 = 6.96413918… req/s.
			name:        "the hand-checked estimates",
			serverless:  serverless,
			provisioned: provisioned,
			want:        52.4651 / 7.53360876, ok: true,
		},
		{
			name:        "either order",
			serverless:  provisioned,
			provisioned: serverless,
			want:        52.4651 / 7.53360876, ok: true,
		},
		{
			// 7.5 $ a month per req/s reaches the first instance's 730 $
			// at 97.33 req/s, before the staircase steps up at 100.
			name:        "the first crossing of a staircase",
			serverless:  Estimate{UsageUSDPerRequest: 7.5 / (3600 * 730)},
			provisioned: staircase,
			want:        730 / 7.5, ok: true,
		},
		{
			// 1.5 $/h = 1095 $ a month lies between one instance (730)
			// and two (1460): the costs cross where the second starts.
			name:        "at a step",
			serverless:  Estimate{FixedUSDPerHour: 1.5},
			provisioned: staircase,
			want:        100, ok: true,
		},
		{
			name:        "serverless cheaper throughout",
			serverless:  Estimate{UsageUSDPerRequest: 1e-15},
			provisioned: Estimate{FixedUSDPerHour: 0.1},
		},
		{
			name:        "provisioned cheaper throughout",
			serverless:  Estimate{FixedUSDPerHour: 1},
			provisioned: Estimate{FixedUSDPerHour: 0.1},
		},
		{
			name:        "equal throughout",
			serverless:  provisioned,
			provisioned: provisioned,
		},
		{
			name:        "crossing beyond the range",
			serverless:  Estimate{UsageUSDPerRequest: 1e-12},
			provisioned: Estimate{FixedUSDPerHour: 10},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := BreakEven(tt.serverless, tt.provisioned)
			if ok != tt.ok {
				t.Fatalf("BreakEven = %g, %v; want ok %v", got, ok, tt.ok)
			}
			if !ok {
				return
			}
			if math.Abs(got-tt.want) > 1e-8*tt.want {
				t.Errorf("BreakEven = %.12g, want %.12g", got, tt.want)
			}
		})
	}
}
