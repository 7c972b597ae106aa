package notifications_test

import (
	"context"
	"encoding/json"
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
	phoneID := deviceID(t, res)
	if d, err := a.DB.Ent.Device.Get(ctx, phoneID); err != nil || d.Token != phone {
		t.Fatalf("POST answered id %d, which is not the phone's device (%v)", phoneID, err)
	}
	// Idempotent, also concurrently: the same token is the same device.
	var wg sync.WaitGroup
	ids := make([]int, 10)
	for i := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var d struct{ ID int }
			if res := register(alice, phone, "android"); res.Status == 200 && json.Unmarshal(res.Body, &d) == nil {
				ids[i] = d.ID
			}
		}()
	}
	wg.Wait()
	for _, id := range ids {
		if id != phoneID {
			t.Errorf("registering the token again answered id %d, want %d", id, phoneID)
		}
	}
	if count() != 1 || owner(phone) != alice.ID {
		t.Fatalf("%d devices, owner %d", count(), owner(phone))
	}
	// The phone changes hands, and keeps its id.
	res = register(bob, phone, "android")
	apptest.AssertStatus(t, res, 200)
	if owner(phone) != bob.ID || count() != 1 || deviceID(t, res) != phoneID {
		t.Fatalf("token owner %d, want bob %d", owner(phone), bob.ID)
	}
	// Bob cannot forget Alice's device, and vice versa: 404 and nothing deleted.
	tablet := "fcm:APA91b-tablet_token-000002"
	res = register(alice, tablet, "ios")
	apptest.AssertStatus(t, res, 200)
	tabletID := deviceID(t, res)
	forget := func(acc apptest.Account, id int) *apptest.Response {
		return apptest.Do(t, a.App, "DELETE", fmt.Sprintf("/api/v1/users/me/devices/%d", id), acc.Access, "")
	}
	apptest.AssertError(t, forget(bob, tabletID), 404, "RESOURCE_NOT_FOUND")
	apptest.AssertError(t, forget(alice, phoneID), 404, "RESOURCE_NOT_FOUND")
	if owner(tablet) != alice.ID || owner(phone) != bob.ID || count() != 2 {
		t.Fatal("a refused delete removed a device")
	}
	// An unknown id is a 404 like the others, with no token in the answer;
	// a token where the id goes is a 400, and not echoed either.
	unknown := forget(alice, phoneID+tabletID+1000)
	apptest.AssertError(t, unknown, 404, "RESOURCE_NOT_FOUND")
	longToken := "cXkP3bQ8Tz2:APA91bH" + strings.Repeat("Zq7_w-Lm4", 16)
	apptest.AssertStatus(t, register(alice, longToken, "android"), 200)
	legacy := apptest.Do(t, a.App, "DELETE", "/api/v1/users/me/devices/"+url.PathEscape(longToken), alice.Access, "")
	apptest.AssertError(t, legacy, 400, "VALIDATION_FAILED")
	for _, r := range []*apptest.Response{unknown, legacy} {
		if body := string(r.Body); strings.Contains(body, phone) || strings.Contains(body, tablet) || strings.Contains(body, longToken) {
			t.Errorf("an error answer quotes a device token: %s", body)
		}
	}
	if owner(longToken) != alice.ID || count() != 3 {
		t.Fatal("a refused delete removed a device")
	}
	apptest.AssertError(t, apptest.Do(t, a.App, "DELETE", fmt.Sprintf("/api/v1/users/me/devices/%d", tabletID), "", ""), 401, "UNAUTHORIZED")
	// At most 3 devices: the least recently seen is dropped.
	for i := range 2 {
		apptest.AssertStatus(t, register(alice, fmt.Sprintf("fcm:APA91b-extra-%06d", i), "web"), 200)
	}
	if owner(tablet) != 0 {
		t.Error("the oldest device was kept beyond the limit")
	}
	var list struct {
		Items []struct {
			ID          int    `json:"id"`
			Platform    string `json:"platform"`
			TokenSuffix string `json:"token_suffix"`
		} `json:"items"`
	}
	res = apptest.Do(t, a.App, "GET", "/api/v1/users/me/devices", alice.Access, "")
	res.JSON(t, &list)
	if len(list.Items) != 3 || list.Items[0].TokenSuffix != "…000001" || list.Items[2].TokenSuffix != "…"+longToken[len(longToken)-6:] {
		t.Errorf("alice's devices: %+v", list.Items)
	}
	if strings.Contains(string(res.Body), longToken) {
		t.Error("the list shows a whole token")
	}
	for _, d := range list.Items {
		if tok, err := a.DB.Ent.Device.Get(ctx, d.ID); err != nil || tok.UserID != alice.ID || !strings.HasSuffix(tok.Token, strings.TrimPrefix(d.TokenSuffix, "…")) {
			t.Errorf("listed device %+v is not one of alice's (%v)", d, err)
		}
	}
	apptest.AssertStatus(t, forget(bob, phoneID), http.StatusNoContent)
	if owner(phone) != 0 || count() != 3 {
		t.Error("forgotten device still there, or another one went with it")
	}
	apptest.AssertError(t, forget(bob, phoneID), 404, "RESOURCE_NOT_FOUND")
}

// deviceID reads the id of the device a registration answered.
func deviceID(t *testing.T, res *apptest.Response) int {
	t.Helper()
	var d struct{ ID int }
	res.JSON(t, &d)
	if d.ID <= 0 {
		t.Fatalf("no device id in %s", res.Body)
	}
	return d.ID
}
