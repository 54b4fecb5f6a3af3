package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// client calls a genuine server's API for the commands that work through
// it (mint, codes, verify, events).
type client struct {
	server string
	key    string
	http   *http.Client
}

// clientFlags registers --server and --key.
func clientFlags(fs *flag.FlagSet) *client {
	c := &client{http: &http.Client{Timeout: 0}}
	fs.StringVar(&c.server, "server", envOr("GENUINE_SERVER", "http://127.0.0.1:8080"), "URL of the genuine server")
	fs.StringVar(&c.key, "key", "", "API key (default $GENUINE_KEY)")
	return c
}

func (c *client) init() {
	if c.key == "" {
		c.key = envOr("GENUINE_KEY", "")
	}
	c.server = strings.TrimSuffix(c.server, "/")
}

// problem is an RFC 9457 error body.
type problem struct {
	Status int    `json:"status"`
	Code   string `json:"code"`
	Detail string `json:"detail"`
}

// apiError is an error the server answered with.
type apiError struct {
	status int
	code   string
	detail string
}

func (e *apiError) Error() string {
	return fmt.Sprintf("%s (%s, HTTP %d)", e.detail, e.code, e.status)
}

// request sends a request and returns the response if its status is
// 2xx; otherwise the server's problem as an error.
func (c *client) request(ctx context.Context, method, path string, body any) (*http.Response, error) {
	resp, err := c.requestWith(ctx, method, path, body, nil)
	if err != nil || resp.StatusCode/100 == 2 {
		return resp, err
	}
	defer resp.Body.Close()
	var p problem
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<16)).Decode(&p); err != nil || p.Detail == "" {
		return nil, &apiError{status: resp.StatusCode, code: "http", detail: resp.Status}
	}
	return nil, &apiError{status: resp.StatusCode, code: p.Code, detail: p.Detail}
}

// requestWith sends a request with extra headers and returns the response
// whatever its status.
func (c *client) requestWith(ctx context.Context, method, path string, body any, header map[string]string) (*http.Response, error) {
	c.init()
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, err
		}
		r = bytes.NewReader(b)
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Minute)
	req, err := http.NewRequestWithContext(ctx, method, c.server+path, r)
	if err != nil {
		cancel()
		return nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	if c.key != "" {
		req.Header.Set("Authorization", "Bearer "+c.key)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		cancel()
		return nil, fmt.Errorf("cannot reach the server at %s: %w", c.server, err)
	}
	resp.Body = cancelOnClose{resp.Body, cancel}
	return resp, nil
}

// decodeJSON decodes a response body.
func decodeJSON(r io.Reader, v any) error {
	return json.NewDecoder(io.LimitReader(r, 1<<24)).Decode(v)
}

// do sends a JSON request and decodes the JSON answer into out.
func (c *client) do(ctx context.Context, method, path string, body, out any) error {
	resp, err := c.request(ctx, method, path, body)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if out == nil {
		return nil
	}
	return json.NewDecoder(resp.Body).Decode(out)
}

type cancelOnClose struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (c cancelOnClose) Close() error {
	err := c.ReadCloser.Close()
	c.cancel()
	return err
}
