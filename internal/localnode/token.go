//go:build linux

package localnode

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// tokenTTL is what the agent asks for; a kubelet asks for about an hour
// too. The token is renewed at 80% of its life, as a kubelet does.
const tokenTTL = time.Hour

// credentials are a pod's ServiceAccount token, kept fresh in a file, and
// a kubeconfig that reads it: client-go re-reads a kubeconfig's tokenFile,
// so long-running processes keep working across renewals.
type credentials struct {
	kubeconfig string
	tokenFile  string
	renewAt    time.Time
}

// writeCredentials requests a token for the pod's ServiceAccount, bound
// to the pod (it stops working once the pod is gone), and writes the
// kubeconfig that processes get as KUBECONFIG. So a router runs with its
// own least-privilege RBAC, not the agent's.
func (w *podWorker) writeCredentials(ctx context.Context, pod *corev1.Pod) (*credentials, error) {
	c := &credentials{
		kubeconfig: filepath.Join(w.dir, "kubeconfig"),
		tokenFile:  filepath.Join(w.dir, "token"),
	}
	if err := w.renewToken(ctx, pod, c); err != nil {
		return nil, err
	}
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters["local"] = cluster(w.a.cfg.Admin, w.a.cfg.APIServer)
	cfg.AuthInfos["serviceaccount"] = &clientcmdapi.AuthInfo{TokenFile: c.tokenFile}
	cfg.Contexts["local"] = &clientcmdapi.Context{Cluster: "local", AuthInfo: "serviceaccount", Namespace: pod.Namespace}
	cfg.CurrentContext = "local"
	if err := clientcmd.WriteToFile(*cfg, c.kubeconfig); err != nil {
		return nil, fmt.Errorf("writing the pod's kubeconfig: %w", err)
	}
	return c, nil
}

func (w *podWorker) renewToken(ctx context.Context, pod *corev1.Pod, c *credentials) error {
	sa := pod.Spec.ServiceAccountName
	req := &authenticationv1.TokenRequest{Spec: authenticationv1.TokenRequestSpec{
		ExpirationSeconds: new(int64(tokenTTL / time.Second)),
		BoundObjectRef:    &authenticationv1.BoundObjectReference{Kind: "Pod", APIVersion: "v1", Name: pod.Name, UID: pod.UID},
	}}
	if sa == "" {
		// No ServiceAccount admission (envtest disables it) left the name
		// empty: the pod runs as "default", but a token can only be bound
		// to a pod that names its ServiceAccount, so this one is not.
		sa, req.Spec.BoundObjectRef = "default", nil
	}
	tr, err := w.a.client.CoreV1().ServiceAccounts(pod.Namespace).CreateToken(ctx, sa, req, metav1.CreateOptions{})
	if err != nil {
		return fmt.Errorf("requesting a token for ServiceAccount %s/%s: %w", pod.Namespace, sa, err)
	}
	if err := writeFileAtomic(c.tokenFile, []byte(tr.Status.Token), 0o600); err != nil {
		return err
	}
	now := time.Now()
	c.renewAt = now.Add(tr.Status.ExpirationTimestamp.Sub(now) * 8 / 10)
	return nil
}

// refreshCredentials renews the token when due; a failure is retried on
// the next round while the old token still works.
func (w *podWorker) refreshCredentials(pod *corev1.Pod) {
	if w.creds == nil || time.Now().Before(w.creds.renewAt) {
		return
	}
	ctx, cancel := context.WithTimeout(w.a.ctx, apiTimeout)
	defer cancel()
	if err := w.renewToken(ctx, pod, w.creds); err != nil {
		w.log.Error(err, "renewing the token")
	}
}

// writeFileAtomic replaces a file at once, so that a reader never sees it
// half written.
func writeFileAtomic(path string, data []byte, mode os.FileMode) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, mode); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// adminKubeconfig writes the agent's own credentials as a kubeconfig for
// kube-proxy, with the server address that works from the node.
func adminKubeconfig(path string, rc *rest.Config, server string) error {
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters["local"] = cluster(rc, server)
	cfg.AuthInfos["admin"] = &clientcmdapi.AuthInfo{
		ClientCertificateData: rc.CertData, ClientKeyData: rc.KeyData, Token: rc.BearerToken,
		ClientCertificate: rc.CertFile, ClientKey: rc.KeyFile, TokenFile: rc.BearerTokenFile,
	}
	cfg.Contexts["local"] = &clientcmdapi.Context{Cluster: "local", AuthInfo: "admin"}
	cfg.CurrentContext = "local"
	return clientcmd.WriteToFile(*cfg, path)
}

// cluster is the API server at server, trusted as rc trusts it.
func cluster(rc *rest.Config, server string) *clientcmdapi.Cluster {
	return &clientcmdapi.Cluster{Server: server, CertificateAuthorityData: rc.CAData, CertificateAuthority: rc.CAFile}
}
