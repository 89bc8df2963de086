package routemigrate

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/okd-ingress/okd-ingress/internal/names"
	"github.com/okd-ingress/okd-ingress/internal/webhookcert"
)

// webhooks are the Route webhook configurations of the CRD install.
type webhooks struct {
	Mutating   *admissionregistrationv1.MutatingWebhookConfiguration   `json:"mutating,omitempty"`
	Validating *admissionregistrationv1.ValidatingWebhookConfiguration `json:"validating,omitempty"`
}

func (w webhooks) objects() []client.Object {
	var out []client.Object
	if w.Mutating != nil {
		out = append(out, w.Mutating)
	}
	if w.Validating != nil {
		out = append(out, w.Validating)
	}
	return out
}

// saveAndDeleteWebhooks writes the Route webhook configurations to
// WebhooksFile and deletes them: the Route API server validates Routes
// itself, and would call them too.
func (m *Migrator) saveAndDeleteWebhooks(ctx context.Context) error {
	var w webhooks
	mut := &admissionregistrationv1.MutatingWebhookConfiguration{}
	if err := m.c.Get(ctx, client.ObjectKey{Name: names.MutatingWebhookConfigurationName}, mut); err == nil {
		w.Mutating = mut
	} else if !apierrors.IsNotFound(err) {
		return err
	}
	val := &admissionregistrationv1.ValidatingWebhookConfiguration{}
	if err := m.c.Get(ctx, client.ObjectKey{Name: names.ValidatingWebhookConfigurationName}, val); err == nil {
		w.Validating = val
	} else if !apierrors.IsNotFound(err) {
		return err
	}
	if len(w.objects()) == 0 {
		return nil
	}
	if m.o.WebhooksFile != "" {
		data, err := json.Marshal(&w)
		if err != nil {
			return err
		}
		if err := os.WriteFile(m.o.WebhooksFile, data, 0o600); err != nil {
			return fmt.Errorf("saving the Route webhooks: %w", err)
		}
	}
	m.o.Logf("deleting the Route webhook configurations (saved in %q)", m.o.WebhooksFile)
	for _, obj := range w.objects() {
		if err := m.c.Delete(ctx, obj); client.IgnoreNotFound(err) != nil {
			return err
		}
	}
	return nil
}

// restoreWebhooks installs the Route webhook configurations again: those
// saved by the move to the Route API server, or config/webhook's, either
// way with the CA bundle of the manager's webhook certificate now: the CA
// may have changed since they were saved, and with the old bundle every
// Route write would fail (failurePolicy Fail) until the manager's next
// certificate check.
func (m *Migrator) restoreWebhooks(ctx context.Context) error {
	w, err := m.savedWebhooks()
	if err != nil {
		return err
	}
	if len(w.objects()) == 0 {
		if w, err = m.manifestWebhooks(); err != nil {
			return err
		}
	}
	if len(w.objects()) == 0 {
		return nil
	}
	ca, err := m.webhookCA(ctx)
	if err != nil {
		return err
	}
	w.setCABundle(ca)
	m.o.Logf("installing the Route webhook configurations")
	for _, obj := range w.objects() {
		obj.SetResourceVersion("")
		obj.SetUID("")
		err := m.c.Create(ctx, obj)
		if apierrors.IsAlreadyExists(err) {
			// Restored by an earlier run: it may trust a CA changed since.
			err = m.replace(ctx, obj)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// replace writes obj over the object of its name.
func (m *Migrator) replace(ctx context.Context, obj client.Object) error {
	cur := obj.DeepCopyObject().(client.Object)
	if err := m.c.Get(ctx, client.ObjectKeyFromObject(obj), cur); err != nil {
		return err
	}
	obj.SetResourceVersion(cur.GetResourceVersion())
	obj.SetUID(cur.GetUID())
	return m.c.Update(ctx, obj)
}

func (m *Migrator) savedWebhooks() (webhooks, error) {
	var w webhooks
	if m.o.WebhooksFile == "" {
		return w, nil
	}
	data, err := os.ReadFile(m.o.WebhooksFile)
	if errors.Is(err, os.ErrNotExist) {
		return w, nil
	}
	if err != nil {
		return w, err
	}
	return w, json.Unmarshal(data, &w)
}

// webhookCA is the CA bundle that trusts the manager's webhook certificate.
func (m *Migrator) webhookCA(ctx context.Context) ([]byte, error) {
	var secret corev1.Secret
	if err := m.c.Get(ctx, client.ObjectKey{Namespace: m.o.Namespace, Name: names.WebhookCertSecretName}, &secret); err != nil {
		return nil, fmt.Errorf("the manager's webhook certificate: %w", err)
	}
	return webhookcert.Bundle(&secret, time.Now()), nil
}

// setCABundle makes every webhook trust ca.
func (w webhooks) setCABundle(ca []byte) {
	if w.Mutating != nil {
		for i := range w.Mutating.Webhooks {
			w.Mutating.Webhooks[i].ClientConfig.CABundle = ca
		}
	}
	if w.Validating != nil {
		for i := range w.Validating.Webhooks {
			w.Validating.Webhooks[i].ClientConfig.CABundle = ca
		}
	}
}

// manifestWebhooks reads config/webhook's configurations (WebhookManifest).
func (m *Migrator) manifestWebhooks() (webhooks, error) {
	var w webhooks
	if len(m.o.WebhookManifest) == 0 {
		return w, nil
	}
	dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(m.o.WebhookManifest), 4096)
	for {
		var probe struct{ Kind string }
		var raw json.RawMessage
		if err := dec.Decode(&raw); err == io.EOF {
			return w, nil
		} else if err != nil {
			return w, err
		}
		if err := json.Unmarshal(raw, &probe); err != nil {
			return w, err
		}
		switch probe.Kind {
		case "MutatingWebhookConfiguration":
			w.Mutating = &admissionregistrationv1.MutatingWebhookConfiguration{}
			if err := json.Unmarshal(raw, w.Mutating); err != nil {
				return w, err
			}
		case "ValidatingWebhookConfiguration":
			w.Validating = &admissionregistrationv1.ValidatingWebhookConfiguration{}
			if err := json.Unmarshal(raw, w.Validating); err != nil {
				return w, err
			}
		}
	}
}
