package notifications_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/reelview/reelview/app/apptest"
	"github.com/reelview/reelview/ent/device"
	"github.com/reelview/reelview/modules/auth"
	"github.com/reelview/reelview/modules/notifications"
)

func TestDevices(t *testing.T) {
	t.Parallel()
	cfg := apptest.Config(t)
	cfg.Firebase.MaxDevices = 3
	a := apptest.NewWithConfig(t, cfg, auth.Module, notifications.Module)
	alice := apptest.SignUp(t, a.App)
	bob := apptest.SignUp(t, a.App)
	ctx := context.Background()
	owner := func(token string) int {
		d, err := a.DB.Ent.Device.Query().Where(device.Token(token)).Only(ctx)
		if err != nil {
			return 0
		}
		return d.UserID
	}
	register := func(acc apptest.Account, token, platform string) *apptest.Response {
		return apptest.Do(t, a.App, "POST", "/api/v1/users/me/devices", acc.Access,
			fmt.Sprintf(`{"token":%q,"platform":%q}`, token, platform))
	}
	count := func() int {
		n, _ := a.DB.Ent.Device.Query().Count(ctx)
		return n
	}

	for _, bad := range []struct{ token, platform string }{
		{"short", "android"}, {"has a space in it", "ios"}, {"token-ok-123456", "windows"}, {strings.Repeat("x", 4097), "web"},
	} {
		apptest.AssertError(t, register(alice, bad.token, bad.platform), 400, "VALIDATION_FAILED")
	}
	apptest.AssertError(t, apptest.Do(t, a.App, "POST", "/api/v1/users/me/devices", "", `{"token":"token-ok-123456","platform":"ios"}`), 401, "UNAUTHORIZED")
	if count() != 0 {
		t.Fatal("rejected registrations stored devices")
	}

	phone := "fcm:APA91b-phone_token-000001"
	res := register(alice, phone, "android")
	apptest.AssertStatus(t, res, 200)
	if strings.Contains(string(res.Body), phone) {
		t.Error("the token is echoed back")
	}
	// Idempotent, also concurrently.
	var wg sync.WaitGroup
	for range 10 {
		wg.Add(1)
		go func() { defer wg.Done(); apptest.AssertStatus(t, register(alice, phone, "android"), 200) }()
	}
	wg.Wait()
	if count() != 1 || owner(phone) != alice.ID {
		t.Fatalf("%d devices, owner %d", count(), owner(phone))
	}
	// The phone changes hands.
	apptest.AssertStatus(t, register(bob, phone, "android"), 200)
	if owner(phone) != bob.ID || count() != 1 {
		t.Fatalf("token owner %d, want bob %d", owner(phone), bob.ID)
	}
	// Bob cannot forget Alice's device, and vice versa: 404 and nothing deleted.
	tablet := "fcm:APA91b-tablet_token-000002"
	apptest.AssertStatus(t, register(alice, tablet, "ios"), 200)
	apptest.AssertError(t, apptest.Do(t, a.App, "DELETE", "/api/v1/users/me/devices/"+url.PathEscape(tablet), bob.Access, ""), 404, "RESOURCE_NOT_FOUND")
	apptest.AssertError(t, apptest.Do(t, a.App, "DELETE", "/api/v1/users/me/devices/"+url.PathEscape(phone), alice.Access, ""), 404, "RESOURCE_NOT_FOUND")
	if owner(tablet) != alice.ID || owner(phone) != bob.ID {
		t.Fatal("a refused delete removed a device")
	}
	// At most 3 devices: the least recently seen is dropped.
	for i := range 3 {
		apptest.AssertStatus(t, register(alice, fmt.Sprintf("fcm:APA91b-extra-%06d", i), "web"), 200)
	}
	if owner(tablet) != 0 {
		t.Error("the oldest device was kept beyond the limit")
	}
	var list struct {
		Items []struct {
			Platform    string `json:"platform"`
			TokenSuffix string `json:"token_suffix"`
		} `json:"items"`
	}
	apptest.Do(t, a.App, "GET", "/api/v1/users/me/devices", alice.Access, "").JSON(t, &list)
	if len(list.Items) != 3 || list.Items[0].TokenSuffix != "…000002" {
		t.Errorf("alice's devices: %+v", list.Items)
	}
	apptest.AssertStatus(t, apptest.Do(t, a.App, "DELETE", "/api/v1/users/me/devices/"+url.PathEscape(phone), bob.Access, ""), http.StatusNoContent)
	if owner(phone) != 0 {
		t.Error("forgotten device still there")
	}
}
