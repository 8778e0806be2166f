{{/* Chart name, truncated to the 63 characters a label value allows. */}}
{{- define "berth.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Release-qualified name used for every object. */}}
{{- define "berth.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "berth.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "berth.labels" -}}
helm.sh/chart: {{ include "berth.chart" . }}
app.kubernetes.io/name: {{ include "berth.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{/* Selects the server pods only, never the migration Job's. */}}
{{- define "berth.selectorLabels" -}}
app.kubernetes.io/name: {{ include "berth.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: server
{{- end }}

{{/*
Selects the worker pods only. Their component label differs from the server pods', which is what
keeps them out of the Service, the ServiceMonitor's server endpoints, the PodDisruptionBudget and the
server Deployment's own selector without changing any of those selectors.
*/}}
{{- define "berth.workerSelectorLabels" -}}
app.kubernetes.io/name: {{ include "berth.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: worker
{{- end }}

{{/*
The server container's environment before the role's own entries and extraEnv. The API and worker
Deployments both include it, so that their pods cannot drift apart in configuration or credentials.
*/}}
{{- define "berth.env" -}}
{{- $c := .Values.config -}}
{{- $secretName := include "berth.secretName" . -}}
- name: BERTH_CONFIG
  value: /etc/berth/config/berth.yaml
- name: BERTH_HTTP_HOST
  value: '0.0.0.0'
- name: BERTH_HTTP_PORT
  value: {{ .Values.containerPort | quote }}
{{- if eq $c.metadata.driver "postgres" }}
- name: BERTH_METADATA_POSTGRES_URL
  valueFrom:
    secretKeyRef:
      name: {{ $secretName }}
      key: {{ .Values.secrets.keys.postgresUrl }}
{{- end }}
{{- if eq $c.coordinator.driver "redis" }}
- name: BERTH_COORDINATOR_REDIS_URL
  valueFrom:
    secretKeyRef:
      name: {{ $secretName }}
      key: {{ .Values.secrets.keys.redisUrl }}
{{- end }}
{{- if eq $c.blobs.driver "s3" }}
# Optional: when the Secret has no keys, the SDK falls back to its credential chain (IRSA).
- name: BERTH_BLOBS_S3_ACCESS_KEY_ID
  valueFrom:
    secretKeyRef:
      name: {{ $secretName }}
      key: {{ .Values.secrets.keys.s3AccessKeyId }}
      optional: true
- name: BERTH_BLOBS_S3_SECRET_ACCESS_KEY
  valueFrom:
    secretKeyRef:
      name: {{ $secretName }}
      key: {{ .Values.secrets.keys.s3SecretAccessKey }}
      optional: true
{{- end }}
{{- if $c.auth.enabled }}
- name: BERTH_AUTH_SIGNING_KEY_FILE
  value: /etc/berth/keys/signing.pem
{{- with .Values.auth.signingKey.kid }}
- name: BERTH_AUTH_SIGNING_KEY_KID
  value: {{ . | quote }}
{{- end }}
{{- if .Values.auth.initialAdmin.enabled }}
- name: BERTH_AUTH_INITIAL_ADMIN_USERNAME
  valueFrom:
    secretKeyRef:
      name: {{ include "berth.initialAdminSecretName" . }}
      key: {{ .Values.auth.initialAdmin.usernameKey }}
- name: BERTH_AUTH_INITIAL_ADMIN_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ include "berth.initialAdminSecretName" . }}
      key: {{ .Values.auth.initialAdmin.passwordKey }}
{{- end }}
{{- end }}
{{- if .Values.extraCaCerts }}
- name: NODE_EXTRA_CA_CERTS
  value: /etc/berth/ca/ca.pem
{{- end }}
{{- end }}

{{/* The server container's mounts, in the API and worker pods alike. */}}
{{- define "berth.volumeMounts" -}}
{{- $c := .Values.config -}}
{{- $embedded := include "berth.embedded" . -}}
- name: config
  mountPath: /etc/berth/config
  readOnly: true
- name: tmp
  mountPath: /tmp
{{- if $embedded }}
- name: data
  mountPath: /data
{{- end }}
{{- if .Values.extraCaCerts }}
- name: ca
  mountPath: /etc/berth/ca
  readOnly: true
{{- end }}
{{- if $c.auth.enabled }}
- name: signing-key
  mountPath: /etc/berth/keys
  readOnly: true
{{- end }}
{{- end }}

{{/* The server pods' volumes, in the API and worker pods alike. */}}
{{- define "berth.volumes" -}}
{{- $c := .Values.config -}}
{{- $embedded := include "berth.embedded" . -}}
- name: config
  configMap:
    name: {{ include "berth.fullname" . }}
- name: tmp
  emptyDir:
    sizeLimit: {{ .Values.tmpSizeLimit }}
{{- if $embedded }}
- name: data
  {{- if .Values.persistence.enabled }}
  persistentVolumeClaim:
    claimName: {{ default (printf "%s-data" (include "berth.fullname" .)) .Values.persistence.existingClaim }}
  {{- else }}
  emptyDir: {}
  {{- end }}
{{- end }}
{{- if .Values.extraCaCerts }}
- name: ca
  configMap:
    name: {{ include "berth.fullname" . }}-ca
{{- end }}
{{- if $c.auth.enabled }}
# Only the key is mounted, under a fixed name, whatever else the Secret holds. Its group is the
# pod's fsGroup, through which the berth user reads it; other users cannot.
- name: signing-key
  secret:
    secretName: {{ include "berth.signingKeySecretName" . }}
    # 0440, in decimal: YAML 1.1 and 1.2 parsers disagree on a leading zero.
    defaultMode: 288
    items:
      - key: {{ .Values.auth.signingKey.secretKey }}
        path: signing.pem
{{- end }}
{{- end }}

{{/*
Selects the server pods and, when there are any, the worker pods (or their Services): for what
applies to both alike, the NetworkPolicy and the ServiceMonitor. Without worker pods it is
berth.selectorLabels, as it was before they existed.
*/}}
{{- define "berth.podsSelector" -}}
{{- if .Values.worker.enabled -}}
matchLabels:
  app.kubernetes.io/name: {{ include "berth.name" . }}
  app.kubernetes.io/instance: {{ .Release.Name }}
matchExpressions:
  - key: app.kubernetes.io/component
    operator: In
    values:
      - server
      - worker
{{- else -}}
matchLabels:
  {{- include "berth.selectorLabels" . | nindent 2 }}
{{- end -}}
{{- end }}

{{- define "berth.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "berth.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "berth.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
{{- end }}

{{/* The Secret holding credentials: the user's, or the one this chart renders. */}}
{{- define "berth.secretName" -}}
{{- default (include "berth.fullname" .) .Values.secrets.existingSecret }}
{{- end }}

{{/* The Secret holding the token signing key: the user's, or the one this chart generates. */}}
{{- define "berth.signingKeySecretName" -}}
{{- default (printf "%s-signing-key" (include "berth.fullname" .)) .Values.auth.signingKey.existingSecret }}
{{- end }}

{{/* The Secret holding the first admin's username and password. */}}
{{- define "berth.initialAdminSecretName" -}}
{{- default (printf "%s-initial-admin" (include "berth.fullname" .)) .Values.auth.initialAdmin.existingSecret }}
{{- end }}

{{/*
The token endpoint clients are sent to, when the chart knows it better than Berth would: Berth
derives it from http.publicUrl itself, but without that it would use the request's scheme, which is
plain http behind an Ingress that terminates TLS. Empty when Berth's own default applies.
*/}}
{{- define "berth.realm" -}}
{{- $c := .Values.config -}}
{{- if $c.auth.realm -}}
{{- $c.auth.realm -}}
{{- else if and (not $c.http.publicUrl) .Values.ingress.enabled .Values.ingress.hosts -}}
{{- $host := (first .Values.ingress.hosts).host -}}
{{- $scheme := "http" -}}
{{- range .Values.ingress.tls -}}
{{- if has $host (dig "hosts" (list) .) -}}
{{- $scheme = "https" -}}
{{- end -}}
{{- end -}}
{{- printf "%s://%s/auth/token" $scheme $host -}}
{{- end -}}
{{- end }}

{{/*
Berth's configuration file: `config` with what the chart derives filled in (the Ingress controller
as a trusted proxy, the token realm), compacted so that Berth's own defaults apply to whatever is
left empty.
*/}}
{{- define "berth.configFile" -}}
{{- $config := deepCopy .Values.config -}}
{{- if and (eq (toString $config.http.trustedProxyHops) "") .Values.ingress.enabled -}}
{{- $_ := set $config.http "trustedProxyHops" 1 -}}
{{- end -}}
{{- if $config.auth.enabled -}}
{{- $_ := set $config.auth "realm" (include "berth.realm" .) -}}
{{- end -}}
{{- include "berth.compact" $config -}}
{{- end }}

{{/* True (non-empty) when any backend keeps its state inside the pod. */}}
{{- define "berth.embedded" -}}
{{- $c := .Values.config -}}
{{- if or (eq $c.blobs.driver "filesystem") (eq $c.metadata.driver "pglite") (eq $c.coordinator.driver "memory") -}}
true
{{- end -}}
{{- end }}

{{/*
A map with every empty string and null removed, nested maps included, rendered as YAML. Berth's own
defaults then apply to whatever values.yaml leaves empty.
*/}}
{{- define "berth.compact" -}}
{{- $out := dict -}}
{{- range $key, $value := . -}}
{{- if kindIs "map" $value -}}
{{- $child := include "berth.compact" $value | fromYaml -}}
{{- if $child -}}
{{- $_ := set $out $key $child -}}
{{- end -}}
{{- else if not (or (kindIs "invalid" $value) (and (kindIs "string" $value) (eq $value ""))) -}}
{{- $_ := set $out $key $value -}}
{{- end -}}
{{- end -}}
{{- toYaml $out -}}
{{- end }}

{{/*
The embedded backends in use, by setting, e.g. "config.blobs.driver=filesystem"; empty in the
stateless shape.
*/}}
{{- define "berth.embeddedParts" -}}
{{- $c := .Values.config -}}
{{- $parts := list -}}
{{- if eq $c.blobs.driver "filesystem" }}{{ $parts = append $parts "config.blobs.driver=filesystem" }}{{ end -}}
{{- if eq $c.metadata.driver "pglite" }}{{ $parts = append $parts "config.metadata.driver=pglite" }}{{ end -}}
{{- if eq $c.coordinator.driver "memory" }}{{ $parts = append $parts "config.coordinator.driver=memory" }}{{ end -}}
{{- join ", " $parts -}}
{{- end }}

{{/* Fails the render on combinations that cannot work, before anything reaches the cluster. */}}
{{- define "berth.validate" -}}
{{- $c := .Values.config -}}
{{- if include "berth.embedded" . -}}
{{- if or .Values.autoscaling.enabled (gt (int .Values.replicaCount) 1) -}}
{{- fail (printf "replicaCount above 1 and autoscaling.enabled need the stateless shape, but with %s the state is inside the one pod: set config.blobs.driver=s3, config.metadata.driver=postgres and config.coordinator.driver=redis with their settings (see ci/stateless-values.yaml), or keep replicaCount=1" (include "berth.embeddedParts" .)) -}}
{{- end -}}
{{- if .Values.worker.enabled -}}
{{- fail (printf "worker.enabled needs the stateless shape, but with %s the state is inside the one API pod, where worker pods cannot reach it: set config.blobs.driver=s3, config.metadata.driver=postgres and config.coordinator.driver=redis with their settings (see ci/stateless-values.yaml), or keep worker.enabled=false" (include "berth.embeddedParts" .)) -}}
{{- end -}}
{{- end -}}
{{- if and .Values.worker.enabled (not $c.workers.enabled) -}}
{{- fail "worker.enabled runs the background work in worker pods, but config.workers.enabled=false turns it off everywhere: set config.workers.enabled=true, or worker.enabled=false to run none" -}}
{{- end -}}
{{- /* Values of the stateless shape left beside an embedded driver: an upgrade from a chart whose defaults were s3, postgres and redis. */ -}}
{{- if and (eq $c.blobs.driver "filesystem") $c.blobs.s3.bucket -}}
{{- fail "config.blobs.s3.bucket is set but config.blobs.driver is filesystem: set config.blobs.driver=s3 to keep blobs in S3 (the chart's default is the embedded filesystem driver)" -}}
{{- end -}}
{{- if and (eq $c.metadata.driver "pglite") .Values.secrets.postgresUrl -}}
{{- fail "secrets.postgresUrl is set but config.metadata.driver is pglite: set config.metadata.driver=postgres to keep metadata in PostgreSQL (the chart's default is the embedded pglite driver)" -}}
{{- end -}}
{{- if and (eq $c.coordinator.driver "memory") .Values.secrets.redisUrl -}}
{{- fail "secrets.redisUrl is set but config.coordinator.driver is memory: set config.coordinator.driver=redis to coordinate through Redis (the chart's default is the embedded memory driver)" -}}
{{- end -}}
{{- if and (gt (int $c.http.workers) 1) (or (ne $c.metadata.driver "postgres") (ne $c.coordinator.driver "redis")) -}}
{{- fail "config.http.workers above 1 needs config.metadata.driver postgres and config.coordinator.driver redis: worker processes share no memory" -}}
{{- end -}}
{{- if and (eq $c.blobs.driver "s3") (not $c.blobs.s3.bucket) -}}
{{- fail "config.blobs.s3.bucket is required with the s3 driver" -}}
{{- end -}}
{{- if not .Values.secrets.existingSecret -}}
{{- if and (eq $c.metadata.driver "postgres") (not .Values.secrets.postgresUrl) -}}
{{- fail "secrets.postgresUrl (or secrets.existingSecret) is required with the postgres driver" -}}
{{- end -}}
{{- if and (eq $c.coordinator.driver "redis") (not .Values.secrets.redisUrl) -}}
{{- fail "secrets.redisUrl (or secrets.existingSecret) is required with the redis driver" -}}
{{- end -}}
{{- if ne (empty .Values.secrets.s3AccessKeyId) (empty .Values.secrets.s3SecretAccessKey) -}}
{{- fail "secrets.s3AccessKeyId and secrets.s3SecretAccessKey must be set together" -}}
{{- end -}}
{{- end -}}
{{- end }}
