package gittest

import (
	"bufio"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// Front serves a Server's repositories over https under any host name, without DNS or the network: a
// client sends every https request through an HTTP CONNECT proxy on 127.0.0.1 (HTTPS_PROXY=ProxyURL),
// which tunnels it to a TLS listener whose certificate, signed by a test CA (SSL_CERT_FILE=CAFile), names
// whatever host the client asked for. Tests use it to aim a client at look-alike, punycode and
// unresolvable hosts and see which credential each one is sent.
type Front struct {
	ProxyURL string // http://127.0.0.1:PORT
	CAFile   string // PEM of the CA that signs every certificate the front shows

	proxy, tls *http.Server

	mu    sync.Mutex
	certs map[string]*tls.Certificate
	hosts []string // CONNECT targets, in order
}

// StartFront starts the proxy and the TLS listener in front of s, writing the CA to dir/front-ca.pem.
func (s *Server) StartFront(dir string) (*Front, error) {
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	caTmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "gittest front CA"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(24 * time.Hour),
		IsCA:                  true,
		KeyUsage:              x509.KeyUsageCertSign,
		BasicConstraintsValid: true,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		return nil, err
	}
	ca, _ := x509.ParseCertificate(caDER)
	f := &Front{CAFile: filepath.Join(dir, "front-ca.pem"), certs: map[string]*tls.Certificate{}}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	if err := os.WriteFile(f.CAFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}), 0o644); err != nil {
		return nil, err
	}
	serial := int64(1)
	leaf := func(hello *tls.ClientHelloInfo) (*tls.Certificate, error) {
		name := hello.ServerName
		if name == "" {
			name = "127.0.0.1"
		}
		f.mu.Lock()
		defer f.mu.Unlock()
		if c, ok := f.certs[name]; ok {
			return c, nil
		}
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			return nil, err
		}
		serial++
		tmpl := &x509.Certificate{
			SerialNumber: big.NewInt(serial),
			Subject:      pkix.Name{CommonName: name},
			NotBefore:    now.Add(-time.Hour),
			NotAfter:     now.Add(24 * time.Hour),
			KeyUsage:     x509.KeyUsageDigitalSignature,
			ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		}
		if ip := net.ParseIP(name); ip != nil {
			tmpl.IPAddresses = []net.IP{ip}
		} else {
			tmpl.DNSNames = []string{name}
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
		if err != nil {
			return nil, err
		}
		c := &tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
		f.certs[name] = c
		return c, nil
	}
	tln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	f.tls = &http.Server{Handler: http.HandlerFunc(s.handle), ReadHeaderTimeout: 10 * time.Second}
	go f.tls.Serve(tls.NewListener(tln, &tls.Config{GetCertificate: leaf, NextProtos: []string{"http/1.1"}}))
	target := tln.Addr().String()

	pln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		f.tls.Close()
		return nil, err
	}
	f.ProxyURL = "http://" + pln.Addr().String()
	f.proxy = &http.Server{ReadHeaderTimeout: 10 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodConnect {
			http.Error(w, "only CONNECT", http.StatusMethodNotAllowed)
			return
		}
		f.mu.Lock()
		f.hosts = append(f.hosts, r.Host)
		f.mu.Unlock()
		up, err := net.Dial("tcp", target)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		conn, brw, err := http.NewResponseController(w).Hijack()
		if err != nil {
			up.Close()
			return
		}
		fmt.Fprint(conn, "HTTP/1.1 200 Connection established\r\n\r\n")
		go tunnel(up, brw.Reader, conn)
	})}
	go f.proxy.Serve(pln)
	return f, nil
}

// tunnel copies both ways until either side closes.
func tunnel(up net.Conn, from *bufio.Reader, down net.Conn) {
	done := make(chan struct{}, 2)
	go func() { io.Copy(up, from); done <- struct{}{} }()
	go func() { io.Copy(down, up); done <- struct{}{} }()
	<-done
	up.Close()
	down.Close()
}

// Hosts are the host:port targets clients asked the proxy for, in order.
func (f *Front) Hosts() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.hosts...)
}

// Close stops the proxy and the TLS listener.
func (f *Front) Close() {
	f.proxy.Close()
	f.tls.Close()
}
