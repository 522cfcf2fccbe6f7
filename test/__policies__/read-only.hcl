# Vault policy for vault-mcp 0.1.0, made by: vault-mcp policy --kv-mount secret --pki-mount pki --read-only
# KV mount "secret" (KV v2); PKI mount "pki"; mounts managed: none (no enabled tool creates, tunes or deletes a mount)
# toolsets kv,pki,mounts,auth, read-only: 14 tools
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

# list_pki_issuers
path "pki/issuers/" {
  capabilities = ["list"]
}

# list_pki_roles
path "pki/roles/" {
  capabilities = ["list"]
}

# read_pki_role
path "pki/roles/+" {
  capabilities = ["read"]
}

# audit_secrets, read_secret
path "secret/data/*" {
  capabilities = ["read"]
}

# audit_secrets, list_secrets, read_secret_metadata
path "secret/metadata/*" {
  capabilities = ["read", "list"]
}
