// Admission anchor: a Go standard-library HTTPS service doing the cryptographic work of one Contrast mesh admission,
// for bench/admissions.bench.ts to compare the TypeScript Coordinator against (issue 13, target 1).
//
// Per admission, as the Coordinator's /v1/mesh/nonce + /v1/mesh/cert: check a single-use HMAC nonce, verify the SNP
// report's ECDSA P-384 signature with its VCEK (the VCEK ← ASK ← ARK chain and the CRL are checked once per distinct
// chain and cached), check REPORT_DATA = SHA-512(label ‖ nonce ‖ SHA-256(SPKI)) and HOST_DATA against the manifest,
// sign one X.509 leaf with the P-384 mesh CA key (the report's 46 claims and the workload secret ID as extensions),
// and seal the workload secret to the pod key (P-256 ECDH → HKDF-SHA256 → AES-256-GCM). Only the Go 1.19 standard
// library: build with `GO111MODULE=off go build -o admission-server admission-server.go`.
//
// Usage: admission-server -config config.json -addr 127.0.0.1:0   (prints "listening <addr>" once ready)
package main

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"os"
	"sync"
	"time"
)

type policyEntry struct {
	SANs             []string `json:"sans"`
	WorkloadSecretID string   `json:"workloadSecretId"`
}

type config struct {
	Policies    map[string]policyEntry `json:"policies"` // host data hex → entry
	Measurement string                 `json:"measurement"`
	TrustedArk  string                 `json:"trustedArk"` // base64 DER
	Seed        string                 `json:"seed"`       // hex, workload secrets derive from it
}

type server struct {
	cfg        config
	trustedArk []byte
	seed       []byte
	meshKey    *ecdsa.PrivateKey
	meshCA     *x509.Certificate
	chainPEM   string
	meshCAPEM  string
	rootCAPEM  string
	nonceKey   []byte
	mu         sync.Mutex
	redeemed   map[string]int64
	chains     sync.Map // sha256(vcek‖ask‖ark‖crl) → *ecdsa.PublicKey
}

const meshLabel = "contrast/v1/mesh-cert\x00"
const nonceLabel = "contrast/v1/mesh-nonce\x00"
const nonceTTL = 60 * time.Second

func main() {
	cfgPath := flag.String("config", "", "config JSON")
	addr := flag.String("addr", "127.0.0.1:0", "listen address")
	flag.Parse()
	raw, err := os.ReadFile(*cfgPath)
	check(err)
	var cfg config
	check(json.Unmarshal(raw, &cfg))
	s := &server{cfg: cfg, redeemed: map[string]int64{}}
	s.trustedArk, err = base64.StdEncoding.DecodeString(cfg.TrustedArk)
	check(err)
	s.seed, err = hex.DecodeString(cfg.Seed)
	check(err)
	s.nonceKey = randomBytes(32)
	s.createCAs()

	tlsKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	check(err)
	tmpl := &x509.Certificate{
		SerialNumber: randomSerial(), Subject: pkix.Name{CommonName: "anchor"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &tlsKey.PublicKey, tlsKey)
	check(err)
	mux := http.NewServeMux()
	mux.HandleFunc("/v1/mesh/nonce", s.handleNonce)
	mux.HandleFunc("/v1/mesh/cert", s.handleCert)
	ln, err := net.Listen("tcp", *addr)
	check(err)
	srv := &http.Server{
		Handler:   mux,
		TLSConfig: &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: tlsKey}}},
		ErrorLog:  log.New(io.Discard, "", 0),
	}
	fmt.Printf("listening %s\n", ln.Addr().String())
	check(srv.ServeTLS(ln, "", ""))
}

func (s *server) createCAs() {
	rootKey, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	check(err)
	s.meshKey, err = ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	check(err)
	ca := func(cn string, pub *ecdsa.PublicKey, parent *x509.Certificate, signer *ecdsa.PrivateKey) *x509.Certificate {
		t := &x509.Certificate{
			SerialNumber: randomSerial(), Subject: pkix.Name{CommonName: cn},
			NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(10 * 365 * 24 * time.Hour),
			IsCA: true, BasicConstraintsValid: true,
			KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
		}
		if parent == nil {
			parent = t
		}
		der, err := x509.CreateCertificate(rand.Reader, t, parent, pub, signer)
		check(err)
		c, err := x509.ParseCertificate(der)
		check(err)
		return c
	}
	root := ca("system:coordinator:root", &rootKey.PublicKey, nil, rootKey)
	s.meshCA = ca("system:coordinator:intermediate", &s.meshKey.PublicKey, nil, s.meshKey)
	intermediate := ca("system:coordinator:intermediate", &s.meshKey.PublicKey, root, rootKey)
	s.rootCAPEM = pemOf(root.Raw)
	s.meshCAPEM = pemOf(s.meshCA.Raw)
	s.chainPEM = pemOf(intermediate.Raw)
}

func (s *server) handleNonce(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		http.Error(w, "method", http.StatusMethodNotAllowed)
		return
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(r.Body, 1024))
	head := make([]byte, 16)
	binary.BigEndian.PutUint64(head, uint64(time.Now().UnixMilli()))
	copy(head[8:], randomBytes(8))
	nonce := append(head, s.nonceTag(head)...)
	writeJSON(w, http.StatusOK, map[string]string{"nonce": base64.StdEncoding.EncodeToString(nonce)})
}

func (s *server) nonceTag(head []byte) []byte {
	m := hmac.New(sha256.New, s.nonceKey)
	m.Write([]byte(nonceLabel))
	m.Write(head)
	return m.Sum(nil)[:16]
}

type certRequest struct {
	Nonce     string `json:"nonce"`
	PublicKey string `json:"publicKey"`
	Evidence  struct {
		Platform string            `json:"platform"`
		Report   string            `json:"report"`
		Certs    map[string]string `json:"certs"`
	} `json:"evidence"`
}

func (s *server) handleCert(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		http.Error(w, "method", http.StatusMethodNotAllowed)
		return
	}
	var req certRequest
	if err := json.NewDecoder(io.LimitReader(r.Body, 256*1024)).Decode(&req); err != nil {
		fail(w, http.StatusBadRequest, "invalid_argument", err)
		return
	}
	nonce, err1 := base64.StdEncoding.DecodeString(req.Nonce)
	spki, err2 := base64.StdEncoding.DecodeString(req.PublicKey)
	report, err3 := base64.StdEncoding.DecodeString(req.Evidence.Report)
	if err := firstError(err1, err2, err3); err != nil || len(nonce) != 32 || len(report) != 1184 {
		fail(w, http.StatusBadRequest, "invalid_argument", fmt.Errorf("nonce, publicKey or report: %v", err))
		return
	}
	pub, err := x509.ParsePKIXPublicKey(spki)
	podKey, ok := pub.(*ecdsa.PublicKey)
	if err != nil || !ok || podKey.Curve != elliptic.P256() {
		fail(w, http.StatusBadRequest, "invalid_argument", errors.New("publicKey: expected ecdsa p-256"))
		return
	}
	if !s.nonceValid(nonce) {
		fail(w, http.StatusForbidden, "invalid_nonce", errors.New("nonce: expected one issued here and unused"))
		return
	}
	vcekKey, err := s.verifiedChain(req.Evidence.Certs)
	if err != nil {
		fail(w, http.StatusForbidden, "attestation_failed", err)
		return
	}
	if err := verifyReport(vcekKey, report); err != nil {
		fail(w, http.StatusForbidden, "attestation_failed", err)
		return
	}
	want := sha512.New()
	want.Write([]byte(meshLabel))
	want.Write(nonce)
	spkiHash := sha256.Sum256(spki)
	want.Write(spkiHash[:])
	if !hmac.Equal(want.Sum(nil), report[0x50:0x90]) || hex.EncodeToString(report[0x90:0xc0]) != s.cfg.Measurement {
		fail(w, http.StatusForbidden, "attestation_failed", errors.New("report data or measurement mismatch"))
		return
	}
	if !s.redeem(nonce) {
		fail(w, http.StatusForbidden, "invalid_nonce", errors.New("nonce: replayed"))
		return
	}
	hostData := hex.EncodeToString(report[0xc0:0xe0])
	entry, ok := s.cfg.Policies[hostData]
	if !ok {
		fail(w, http.StatusForbidden, "policy_not_in_manifest", fmt.Errorf("policy %s is not in the manifest", hostData))
		return
	}
	leaf, err := s.issueLeaf(podKey, entry, report)
	if err != nil {
		fail(w, http.StatusInternalServerError, "internal", err)
		return
	}
	res := map[string]interface{}{"certChain": pemOf(leaf) + s.chainPEM, "meshCA": s.meshCAPEM, "rootCA": s.rootCAPEM}
	if entry.WorkloadSecretID != "" {
		secret := hkdfSHA256(s.seed, nil, []byte("WORKLOAD SECRET ID: "+entry.WorkloadSecretID), 64)
		env, err := sealEnvelope(podKey, secret)
		if err != nil {
			fail(w, http.StatusInternalServerError, "internal", err)
			return
		}
		res["workloadSecret"] = env
	}
	log.Printf("mesh certificate issued policy=%s", hostData)
	writeJSON(w, http.StatusOK, res)
}

func (s *server) nonceValid(nonce []byte) bool {
	if !hmac.Equal(nonce[16:], s.nonceTag(nonce[:16])) {
		return false
	}
	age := time.Now().UnixMilli() - int64(binary.BigEndian.Uint64(nonce))
	if age < -5000 || age > nonceTTL.Milliseconds() {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	_, used := s.redeemed[string(nonce)]
	return !used
}

func (s *server) redeem(nonce []byte) bool {
	now := time.Now().UnixMilli()
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, used := s.redeemed[string(nonce)]; used {
		return false
	}
	if len(s.redeemed) > 50_000 {
		for k, exp := range s.redeemed {
			if exp < now {
				delete(s.redeemed, k)
			}
		}
	}
	s.redeemed[string(nonce)] = now + nonceTTL.Milliseconds()
	return true
}

// verifiedChain checks VCEK ← ASK ← trusted ARK (RSA-PSS) and the ARK-signed CRL once per distinct input.
func (s *server) verifiedChain(certs map[string]string) (*ecdsa.PublicKey, error) {
	var der [4][]byte
	h := sha256.New()
	for i, k := range []string{"vcek", "ask", "ark", "crl"} {
		b, err := base64.StdEncoding.DecodeString(certs[k])
		if err != nil {
			return nil, fmt.Errorf("certs.%s: %v", k, err)
		}
		der[i] = b
		h.Write(b)
	}
	key := string(h.Sum(nil))
	if v, ok := s.chains.Load(key); ok {
		return v.(*ecdsa.PublicKey), nil
	}
	if !bytes.Equal(der[2], s.trustedArk) {
		return nil, errors.New("ark: not trusted")
	}
	var parsed [3]*x509.Certificate
	for i := range parsed {
		c, err := x509.ParseCertificate(der[i])
		if err != nil {
			return nil, err
		}
		parsed[i] = c
	}
	vcek, ask, ark := parsed[0], parsed[1], parsed[2]
	for _, pair := range [][2]*x509.Certificate{{ark, ark}, {ask, ark}, {vcek, ask}} {
		if err := pair[0].CheckSignatureFrom(pair[1]); err != nil {
			return nil, err
		}
	}
	crl, err := x509.ParseRevocationList(der[3])
	if err != nil {
		return nil, err
	}
	if err := crl.CheckSignatureFrom(ark); err != nil {
		return nil, err
	}
	for _, rc := range crl.RevokedCertificates {
		if rc.SerialNumber.Cmp(vcek.SerialNumber) == 0 || rc.SerialNumber.Cmp(ask.SerialNumber) == 0 {
			return nil, errors.New("revoked")
		}
	}
	pub, ok := vcek.PublicKey.(*ecdsa.PublicKey)
	if !ok || pub.Curve != elliptic.P384() {
		return nil, errors.New("vcek: expected ecdsa p-384")
	}
	s.chains.Store(key, pub)
	return pub, nil
}

// verifyReport checks the report's ECDSA P-384/SHA-384 signature over bytes [0, 0x2a0); R and S are little-endian.
func verifyReport(key *ecdsa.PublicKey, report []byte) error {
	digest := sha512.Sum384(report[:0x2a0])
	r := new(big.Int).SetBytes(reverse(report[0x2a0 : 0x2a0+48]))
	s := new(big.Int).SetBytes(reverse(report[0x2e8 : 0x2e8+48]))
	if !ecdsa.Verify(key, digest[:], r, s) {
		return errors.New("signature: does not verify")
	}
	return nil
}

// issueLeaf signs the mesh certificate: CN = first SAN, EKU client+server, the report claims as extensions.
func (s *server) issueLeaf(pod *ecdsa.PublicKey, entry policyEntry, report []byte) ([]byte, error) {
	t := &x509.Certificate{
		SerialNumber: randomSerial(),
		NotBefore:    time.Now().Add(-time.Hour), NotAfter: time.Now().Add(365 * 24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth, x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		ExtraExtensions:       snpClaims(report),
	}
	for _, san := range entry.SANs {
		if ip := net.ParseIP(san); ip != nil {
			t.IPAddresses = append(t.IPAddresses, ip)
		} else {
			if t.Subject.CommonName == "" {
				t.Subject.CommonName = san
			}
			t.DNSNames = append(t.DNSNames, san)
		}
	}
	if entry.WorkloadSecretID != "" {
		v, _ := asn1.Marshal([]byte(entry.WorkloadSecretID))
		t.ExtraExtensions = append(t.ExtraExtensions, pkix.Extension{Id: asn1.ObjectIdentifier{1, 3, 9901, 3, 1}, Value: v})
	}
	return x509.CreateCertificate(rand.Reader, t, s.meshCA, pod, s.meshKey)
}

// snpClaims: the 46 report fields under 1.3.9901.2.1.N as the Coordinator encodes them (integers, booleans, octets).
func snpClaims(r []byte) []pkix.Extension {
	u32 := func(off int) int64 { return int64(binary.LittleEndian.Uint32(r[off:])) }
	u8 := func(off int) int64 { return int64(r[off]) }
	policy := binary.LittleEndian.Uint64(r[0x08:])
	bit := func(v uint64, n uint) bool { return v>>n&1 == 1 }
	tcb := func(off int) []interface{} { return []interface{}{u8(off), u8(off + 6), u8(off + 1), u8(off + 7)} }
	platform := binary.LittleEndian.Uint64(r[0x40:])
	signer := u32(0x48)
	vals := []interface{}{u32(0), u32(4), int64(policy >> 8 & 0xff), int64(policy & 0xff), bit(policy, 19), bit(policy, 18),
		bit(policy, 16), bit(policy, 20), r[0x10:0x20], r[0x20:0x30], u32(0x30)}
	vals = append(vals, tcb(0x38)...)
	vals = append(vals, bit(platform, 0), bit(platform, 1), signer&1 == 1, signer>>1&1 == 1, (signer>>2)&7,
		r[0x50:0x90], r[0x90:0xc0], r[0xc0:0xe0], r[0xe0:0x110], r[0x110:0x140], r[0x140:0x160], r[0x160:0x180])
	vals = append(vals, tcb(0x180)...)
	vals = append(vals, r[0x1a0:0x1e0])
	vals = append(vals, tcb(0x1e0)...)
	vals = append(vals, u8(0x1e8), u8(0x1e9), u8(0x1ea), u8(0x1ec), u8(0x1ed), u8(0x1ee))
	vals = append(vals, tcb(0x1f0)...)
	out := make([]pkix.Extension, 0, len(vals))
	for i, v := range vals {
		der, err := asn1.Marshal(v)
		check(err)
		out = append(out, pkix.Extension{Id: asn1.ObjectIdentifier{1, 3, 9901, 2, 1, i + 1}, Value: der})
	}
	return out
}

// sealEnvelope: contrast envelope v1 (src/crypto/envelope.ts): ephemeral P-256 ECDH, HKDF-SHA256, AES-256-GCM.
func sealEnvelope(recipient *ecdsa.PublicKey, plaintext []byte) (map[string]string, error) {
	curve := elliptic.P256()
	e, x, y, err := elliptic.GenerateKey(curve, rand.Reader)
	if err != nil {
		return nil, err
	}
	zx, _ := curve.ScalarMult(recipient.X, recipient.Y, e)
	z := zx.FillBytes(make([]byte, 32))
	E := elliptic.Marshal(curve, x, y)
	R := elliptic.Marshal(curve, recipient.X, recipient.Y)
	key := hkdfSHA256(z, append(append([]byte{}, E...), R...), []byte("contrast envelope v1"), 32)
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	nonce := randomBytes(12)
	ct := gcm.Seal(nil, nonce, plaintext, nil)
	b64 := base64.StdEncoding.EncodeToString
	return map[string]string{"ephemeralPublicKey": b64(E), "nonce": b64(nonce), "ciphertext": b64(ct)}, nil
}

// hkdfSHA256 is RFC 5869 with SHA-256 (crypto/hkdf is not in Go 1.19's standard library).
func hkdfSHA256(ikm, salt, info []byte, length int) []byte {
	if salt == nil {
		salt = make([]byte, sha256.Size)
	}
	ext := hmac.New(sha256.New, salt)
	ext.Write(ikm)
	prk := ext.Sum(nil)
	var out, prev []byte
	for i := byte(1); len(out) < length; i++ {
		m := hmac.New(sha256.New, prk)
		m.Write(prev)
		m.Write(info)
		m.Write([]byte{i})
		prev = m.Sum(nil)
		out = append(out, prev...)
	}
	return out[:length]
}

func firstError(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}

func reverse(b []byte) []byte {
	out := make([]byte, len(b))
	for i := range b {
		out[len(b)-1-i] = b[i]
	}
	return out
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return b
}

func randomSerial() *big.Int {
	return new(big.Int).SetBytes(randomBytes(16))
}

func pemOf(der []byte) string {
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
}

func writeJSON(w http.ResponseWriter, status int, v interface{}) {
	w.Header().Set("content-type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func fail(w http.ResponseWriter, status int, code string, err error) {
	writeJSON(w, status, map[string]string{"code": code, "message": err.Error()})
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
