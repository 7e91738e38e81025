// Load generator for bench/admissions.bench.ts: N concurrent simulated Initializers against one admission service
// (the TypeScript Coordinator or the Go anchor), each looping nonce → sim SNP report → cert request over HTTPS
// with keep-alive. A report is a template from the sim TEE with REPORT_DATA bound to the fresh nonce and re-signed
// with the sim VCEK key, exactly what the sim issuer would produce. Go 1.19 standard library only.
//
// Usage: admission-load -config load.json -url https://127.0.0.1:P -c 8 -seconds 3
// Prints one JSON line: {"admissions":n,"errors":n,"seconds":s,"p50Ms":x,"p99Ms":y,"firstError":"…"}
package main

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"sort"
	"sync"
	"time"
)

type loadConfig struct {
	VcekKey string            `json:"vcekKey"` // PKCS#8 PEM, the sim VCEK's P-384 key
	Report  string            `json:"report"`  // base64 template report (1184 bytes)
	Certs   map[string]string `json:"certs"`   // base64 vcek, ask, ark, crl as the sim issuer sends them
}

const meshLabel = "contrast/v1/mesh-cert\x00"

func main() {
	cfgPath := flag.String("config", "", "load config JSON")
	url := flag.String("url", "", "https://host:port of the mesh API")
	conc := flag.Int("c", 1, "concurrent clients")
	seconds := flag.Float64("seconds", 3, "measurement duration")
	flag.Parse()
	raw, err := os.ReadFile(*cfgPath)
	check(err)
	var cfg loadConfig
	check(json.Unmarshal(raw, &cfg))
	block, _ := pem.Decode([]byte(cfg.VcekKey))
	if block == nil {
		check(errors.New("vcekKey: expected pem"))
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	check(err)
	vcek := k.(*ecdsa.PrivateKey)
	template, err := base64.StdEncoding.DecodeString(cfg.Report)
	check(err)

	client := &http.Client{Transport: &http.Transport{
		TLSClientConfig:     &tls.Config{InsecureSkipVerify: true},
		MaxIdleConns:        *conc,
		MaxIdleConnsPerHost: *conc,
		MaxConnsPerHost:     *conc,
	}}
	deadline := time.Now().Add(time.Duration(*seconds * float64(time.Second)))
	var mu sync.Mutex
	var latencies []float64
	errCount := 0
	firstError := ""
	var wg sync.WaitGroup
	start := time.Now()
	for w := 0; w < *conc; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			podKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
			check(err)
			spki, err := x509.MarshalPKIXPublicKey(&podKey.PublicKey)
			check(err)
			for time.Now().Before(deadline) {
				t0 := time.Now()
				err := admit(client, *url, vcek, template, cfg.Certs, spki)
				ms := float64(time.Since(t0).Microseconds()) / 1000
				mu.Lock()
				if err != nil {
					errCount++
					if firstError == "" {
						firstError = err.Error()
					}
				} else {
					latencies = append(latencies, ms)
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start).Seconds()
	sort.Float64s(latencies)
	pct := func(p float64) float64 {
		if len(latencies) == 0 {
			return 0
		}
		i := int(p / 100 * float64(len(latencies)))
		if i >= len(latencies) {
			i = len(latencies) - 1
		}
		return latencies[i]
	}
	out, _ := json.Marshal(map[string]interface{}{
		"admissions": len(latencies), "errors": errCount, "seconds": elapsed,
		"p50Ms": pct(50), "p99Ms": pct(99), "firstError": firstError,
	})
	fmt.Println(string(out))
}

func admit(client *http.Client, url string, vcek *ecdsa.PrivateKey, template []byte, certs map[string]string, spki []byte) error {
	var n struct {
		Nonce string `json:"nonce"`
	}
	if err := post(client, url+"/v1/mesh/nonce", map[string]interface{}{}, &n); err != nil {
		return err
	}
	nonce, err := base64.StdEncoding.DecodeString(n.Nonce)
	if err != nil {
		return err
	}
	h := sha512.New()
	h.Write([]byte(meshLabel))
	h.Write(nonce)
	sh := sha256.Sum256(spki)
	h.Write(sh[:])
	report := append([]byte{}, template...)
	copy(report[0x50:0x90], h.Sum(nil))
	digest := sha512.Sum384(report[:0x2a0])
	r, s, err := ecdsa.Sign(rand.Reader, vcek, digest[:])
	if err != nil {
		return err
	}
	for i := 0x2a0; i < 0x2a0+144; i++ {
		report[i] = 0
	}
	copy(report[0x2a0:], littleEndian(r.FillBytes(make([]byte, 48))))
	copy(report[0x2e8:], littleEndian(s.FillBytes(make([]byte, 48))))
	req := map[string]interface{}{
		"nonce":     n.Nonce,
		"publicKey": base64.StdEncoding.EncodeToString(spki),
		"evidence":  map[string]interface{}{"platform": "snp", "report": base64.StdEncoding.EncodeToString(report), "certs": certs},
	}
	var res struct {
		CertChain string `json:"certChain"`
	}
	if err := post(client, url+"/v1/mesh/cert", req, &res); err != nil {
		return err
	}
	if res.CertChain == "" {
		return errors.New("cert: no certChain in the answer")
	}
	return nil
}

func post(client *http.Client, url string, body interface{}, out interface{}) error {
	b, _ := json.Marshal(body)
	res, err := client.Post(url, "application/json", bytes.NewReader(b))
	if err != nil {
		return err
	}
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	if err != nil {
		return err
	}
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("POST %s: status %d: %s", url, res.StatusCode, data)
	}
	return json.Unmarshal(data, out)
}

func littleEndian(b []byte) []byte {
	out := make([]byte, len(b))
	for i := range b {
		out[len(b)-1-i] = b[i]
	}
	return out
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
