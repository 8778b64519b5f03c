// SPDX-License-Identifier: Apache-2.0

package integration

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/bgpnet/kubectl-bgpnet/internal/model"
	"github.com/bgpnet/kubectl-bgpnet/internal/testenv"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// The ClusterRoles shipped in deploy/rbac, applied to the real API server: a user bound
// to bgpnet-readonly reads every Kubernetes source doctor needs (nothing forbidden) and
// may not apply a fix; bound to bgpnet-apply as well, `fix --all --apply` repairs the
// fixable scenario.
func TestRBACRoles(t *testing.T) {
	if testenv.AssetsDir() == "" {
		t.Skip("integration test skipped: no test assets; run `make test`")
	}
	env := testenv.Start(t, testenv.Options{Flavor: testenv.Cilium120})
	env.Seed(t, readTestdata(t, "scenarios/common.yaml"))
	env.Seed(t, fixable(t))
	for _, f := range []string{"../../deploy/rbac/bgpnet-readonly.yaml", "../../deploy/rbac/bgpnet-apply.yaml"} {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		env.Seed(t, string(b))
	}
	core := kubernetes.NewForConfigOrDie(env.Config)
	ctx := t.Context()
	subject := []rbacv1.Subject{{Kind: "User", Name: "alice", APIGroup: rbacv1.GroupName}}
	bind := func(role string) {
		t.Helper()
		if _, err := core.RbacV1().ClusterRoleBindings().Create(ctx, &rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: role},
			Subjects: subject, RoleRef: rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: role}}, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	bind("bgpnet-readonly")
	if _, err := core.RbacV1().RoleBindings("kube-system").Create(ctx, &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "bgpnet-readonly", Namespace: "kube-system"},
		Subjects: subject, RoleRef: rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: "bgpnet-readonly"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	alice := testenv.Kubeconfig(t, env.User(t, "alice"))

	_, out, errOut := runCLI(t, "--kubeconfig", alice, "doctor", "-o", "json", "--fail-on", "never", "--hubble", "never")
	var d struct {
		Findings []struct{ ID string }
		Sources  []model.SourceStatus
	}
	if err := json.Unmarshal([]byte(out), &d); err != nil {
		t.Fatalf("doctor as alice: %v\n%s", err, errOut)
	}
	for _, s := range d.Sources {
		if s.Status == model.StatusForbidden || s.Status == model.StatusError {
			t.Errorf("read-only role: source %s %s: %s", s.Name, s.Status, s.Message)
		}
	}
	if len(d.Findings) == 0 {
		t.Error("no finding as alice")
	}

	code, text := runFixCmd(t, alice, strings.NewReader(""), "node-label-near-miss", "--apply", "--yes")
	if code != 1 || !strings.Contains(text, "forbidden") {
		t.Errorf("apply with the read-only role: exit %d\n%s", code, text)
	}

	bind("bgpnet-apply")
	code, text = runFixCmd(t, alice, strings.NewReader(""), "--all", "--apply", "--yes")
	if code != 0 || strings.Contains(text, "refused") {
		t.Errorf("apply with bgpnet-apply: exit %d\n%s", code, text)
	}
	after := doctorJSON(t, testenv.Kubeconfig(t, env.Config))
	for _, id := range fixIDs {
		if after.has(id) {
			t.Errorf("%s still found", id)
		}
	}
}
