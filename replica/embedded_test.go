package replica

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"
)

// TestRunEmbeddedAddressInUse: an embedded server whose client address is
// taken fails with the listener's error, not a generic "did not start".
func TestRunEmbeddedAddressInUse(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	// The deadline is a failure guard: a server that waited on would
	// fail with it instead of hanging the test.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	emb, err := RunEmbedded(ctx, EmbeddedOptions{Name: "taken", Listen: l.Addr().String(), StoreDir: t.TempDir()})
	if err == nil {
		emb.Shutdown()
		t.Fatal("started on an address in use")
	}
	if !strings.Contains(err.Error(), "address already in use") {
		t.Errorf("error %q does not say the address is in use", err)
	}
}
