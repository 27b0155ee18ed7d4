-- SPEC-009 exactly as written (vulnerable fixture for rls-audit).
-- Source: SPEC-009 (Multi-Tenant Database Architecture Design), section: Security and Compliance: 1. Data Encryption.
-- The SQL below is the spec's text; the only changes are the lines marked
-- "[fixture: removed ...]", each explained in README.md. DO NOT FIX THE FLAWS HERE.

-- ==============================================
-- ENCRYPTION CONFIGURATION
-- ==============================================

-- Enable transparent data encryption
-- (Configured at Supabase project level)

-- Application-level encryption for sensitive fields
-- [fixture: removed, see README change C3] CREATE EXTENSION IF NOT EXISTS pgcrypto;

-- Function for encrypting sensitive data
CREATE OR REPLACE FUNCTION encrypt_sensitive_data(data TEXT, key_name TEXT DEFAULT 'default')
RETURNS TEXT AS $$
BEGIN
  RETURN encode(
    pgp_sym_encrypt(
      data,
      current_setting('app.encryption_key_' || key_name, true)
    ),
    'base64'
  );
END;
$$ LANGUAGE plpgsql STABLE;

-- Function for decrypting sensitive data
CREATE OR REPLACE FUNCTION decrypt_sensitive_data(encrypted_data TEXT, key_name TEXT DEFAULT 'default')
RETURNS TEXT AS $$
BEGIN
  RETURN pgp_sym_decrypt(
    decode(encrypted_data, 'base64'),
    current_setting('app.encryption_key_' || key_name, true)
  );
EXCEPTION
  WHEN OTHERS THEN
    RETURN NULL;
END;
$$ LANGUAGE plpgsql STABLE;
