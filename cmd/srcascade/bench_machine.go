package main

import (
	"bufio"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
)

// benchMachine is where a benchmark ran: what the speed numbers depend on.
type benchMachine struct {
	// CPU is the processor's model name from /proc/cpuinfo ("" where
	// unknown).
	CPU        string `json:"cpu"`
	CPUs       int    `json:"cpus"` // runtime.NumCPU
	GOMAXPROCS int    `json:"gomaxprocs"`
	OS         string `json:"os"`
	Arch       string `json:"arch"`
	Go         string `json:"go"`
	// GOEXPERIMENT is the experiments the binary was built with, and SIMD
	// whether they include simd (the Go backend's fast matmul).
	GOEXPERIMENT string `json:"goexperiment"`
	SIMD         bool   `json:"simd"`
	GOAMD64      string `json:"goamd64,omitempty"`
	// LoadAverage is /proc/loadavg's 1, 5 and 15 minute load at the start
	// of the run (nil where unavailable): the machine may be shared.
	LoadAverage []float64 `json:"load_average,omitempty"`
}

// readMachine describes this machine and binary.
func readMachine() benchMachine {
	m := benchMachine{
		CPU:        cpuModel("/proc/cpuinfo"),
		CPUs:       runtime.NumCPU(),
		GOMAXPROCS: runtime.GOMAXPROCS(0),
		OS:         runtime.GOOS,
		Arch:       runtime.GOARCH,
		Go:         runtime.Version(),
	}
	m.GOEXPERIMENT, m.GOAMD64 = buildSettings()
	m.SIMD = hasExperiment(m.GOEXPERIMENT, "simd")
	m.LoadAverage = loadAverage("/proc/loadavg")
	return m
}

// String is the machine in one line, as the markdown output shows it.
func (m benchMachine) String() string {
	cpu := m.CPU
	if cpu == "" {
		cpu = "unknown CPU"
	}
	s := fmt.Sprintf("%s, %d CPUs", cpu, m.CPUs)
	if m.GOMAXPROCS != m.CPUs {
		s += fmt.Sprintf(" (GOMAXPROCS %d)", m.GOMAXPROCS)
	}
	s += fmt.Sprintf(", %s/%s, %s", m.OS, m.Arch, m.Go)
	if m.GOAMD64 != "" {
		s += ", GOAMD64=" + m.GOAMD64
	}
	if m.SIMD {
		s += ", GOEXPERIMENT=" + m.GOEXPERIMENT
	} else {
		s += ", without GOEXPERIMENT=simd"
	}
	if len(m.LoadAverage) == 3 {
		s += fmt.Sprintf(", load average %.2f %.2f %.2f", m.LoadAverage[0], m.LoadAverage[1], m.LoadAverage[2])
	}
	return s
}

// buildSettings returns the GOEXPERIMENT and GOAMD64 the binary was built
// with, from its build information ("" where not recorded).
func buildSettings() (experiment, goamd64 string) {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "", ""
	}
	for _, s := range bi.Settings {
		switch s.Key {
		case "GOEXPERIMENT":
			experiment = s.Value
		case "GOAMD64":
			goamd64 = s.Value
		}
	}
	return experiment, goamd64
}

// hasExperiment reports whether the comma-separated GOEXPERIMENT list
// enables name.
func hasExperiment(list, name string) bool {
	for _, e := range strings.Split(list, ",") {
		if strings.TrimSpace(e) == name {
			return true
		}
	}
	return false
}

// cpuModel returns the first "model name" of a /proc/cpuinfo file
// ("Hardware" or "Processor" on some ARM kernels); "" if there is none.
func cpuModel(path string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	fallback := ""
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		key, value, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		key, value = strings.TrimSpace(key), strings.Join(strings.Fields(value), " ")
		switch {
		case key == "model name" && value != "":
			return value
		case (key == "Hardware" || key == "Processor") && fallback == "":
			fallback = value
		}
	}
	return fallback
}

// loadAverage reads the three load averages of a /proc/loadavg file; nil
// where unavailable.
func loadAverage(path string) []float64 {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return nil
	}
	out := make([]float64, 3)
	for i := range out {
		if out[i], err = strconv.ParseFloat(f[i], 64); err != nil {
			return nil
		}
	}
	return out
}
