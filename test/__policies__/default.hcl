# Vault policy for vault-mcp 0.1.0, made by: vault-mcp policy --kv-mount secret --pki-mount pki
# KV mount "secret" (KV v2); PKI mount "pki"; mounts managed: pki
# toolsets kv,pki,mounts,auth: 34 tools
# Also attach Vault's default policy (tokens get it unless created with -no-default-policy):
# whoami uses auth/token/lookup-self and sys/capabilities-self from it.

# list_pki_certificates
path "pki/certs/" {
  capabilities = ["list"]
}

# list_pki_certificates
path "pki/certs/revoked/" {
  capabilities = ["list"]
}

# set_pki_default_issuer
path "pki/config/issuers" {
  capabilities = ["update"]
}

# configure_pki_urls, create_pki_issuer
path "pki/config/urls" {
  capabilities = ["read", "update"]
}

# issue_pki_certificate
path "pki/issue/+" {
  capabilities = ["update"]
}

# list_pki_issuers
path "pki/issuers/" {
  capabilities = ["list"]
}

# revoke_pki_certificate
path "pki/revoke" {
  capabilities = ["update"]
}

# list_pki_roles
path "pki/roles/" {
  capabilities = ["list"]
}

# create_pki_role, delete_pki_role, read_pki_role
path "pki/roles/+" {
  capabilities = ["read", "update", "delete"]
}

# create_pki_issuer
path "pki/root/generate/internal" {
  capabilities = ["update"]
}

# sign_pki_certificate
path "pki/sign/+" {
  capabilities = ["update"]
}

# audit_secrets, delete_secret, patch_secret, read_secret, write_secret
path "secret/data/*" {
  capabilities = ["create", "read", "update", "patch", "delete"]
}

# delete_secret_versions
path "secret/delete/*" {
  capabilities = ["create", "update"]
}

# destroy_secret_versions
path "secret/destroy/*" {
  capabilities = ["create", "update"]
}

# audit_secrets, delete_secret_metadata, list_secrets, read_secret_metadata, write_secret_metadata
path "secret/metadata/*" {
  capabilities = ["read", "patch", "delete", "list"]
}

# undelete_secret_versions
path "secret/undelete/*" {
  capabilities = ["create", "update"]
}

# create_mount, delete_mount, enable_pki
path "sys/mounts/pki" {
  capabilities = ["update", "delete"]
}

# tune_mount
path "sys/mounts/pki/tune" {
  capabilities = ["read", "update"]
}
