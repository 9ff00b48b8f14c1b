"""A passkey authenticator in software, for the tests that go through allauth's WebAuthn views without a browser (the
browser journey in tests/e2e/test_passkeys.py uses Chromium's virtual authenticator instead).

It answers the options a page gives (`js_data` in its context, or the JSON the passkey sign-in fetches) as a browser
and a device would: an attestation when registering, a signed assertion when signing in, with the origin of the test
client and user verification (the PIN or fingerprint) done or not.
"""

import hashlib
import json
import os
from dataclasses import dataclass, field

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from fido2.cose import ES256
from fido2.utils import websafe_decode, websafe_encode
from fido2.webauthn import AttestationObject, AttestedCredentialData, AuthenticatorData, CollectedClientData

ORIGIN = "http://testserver"
RP_ID = "testserver"
FLAGS = AuthenticatorData.FLAG


@dataclass
class SoftPasskey:
    """One device holding one passkey for Runback (made by `register`)."""

    user_handle: bytes = b""
    credential_id: bytes = field(default_factory=lambda: os.urandom(32))
    private_key: ec.EllipticCurvePrivateKey = field(default_factory=lambda: ec.generate_private_key(ec.SECP256R1()))
    counter: int = 0

    def _flags(self, verified: bool) -> FLAGS:
        return FLAGS.UP | (FLAGS.UV if verified else 0)

    def register(self, creation_options: dict, *, resident: bool = True, verified: bool = True) -> str:
        """The `credential` field's value a browser posts after making the passkey (JSON)."""
        public_key = creation_options["publicKey"]
        self.user_handle = websafe_decode(public_key["user"]["id"])
        rp_id = public_key["rp"].get("id") or RP_ID
        credential = AttestedCredentialData.create(
            b"\0" * 16, self.credential_id, ES256.from_cryptography_key(self.private_key.public_key())
        )
        auth_data = AuthenticatorData.create(
            hashlib.sha256(rp_id.encode()).digest(), self._flags(verified) | FLAGS.AT, self.counter, credential
        )
        client_data = CollectedClientData.create("webauthn.create", public_key["challenge"], ORIGIN)
        return json.dumps(
            {
                "id": websafe_encode(self.credential_id),
                "rawId": websafe_encode(self.credential_id),
                "type": "public-key",
                "response": {
                    "clientDataJSON": websafe_encode(client_data),
                    "attestationObject": websafe_encode(AttestationObject.create("none", auth_data, {})),
                    "transports": ["internal"],
                },
                "clientExtensionResults": {"credProps": {"rk": resident}},
            }
        )

    def assert_(self, request_options: dict, *, verified: bool = True) -> str:
        """The `credential` field's value a browser posts after the device signed the sign-in challenge (JSON)."""
        public_key = request_options["publicKey"]
        rp_id = public_key.get("rpId") or RP_ID
        self.counter += 1
        auth_data = AuthenticatorData.create(
            hashlib.sha256(rp_id.encode()).digest(), self._flags(verified), self.counter
        )
        client_data = CollectedClientData.create("webauthn.get", public_key["challenge"], ORIGIN)
        signature = self.private_key.sign(auth_data + client_data.hash, ec.ECDSA(hashes.SHA256()))
        return json.dumps(
            {
                "id": websafe_encode(self.credential_id),
                "rawId": websafe_encode(self.credential_id),
                "type": "public-key",
                "response": {
                    "clientDataJSON": websafe_encode(client_data),
                    "authenticatorData": websafe_encode(auth_data),
                    "signature": websafe_encode(signature),
                    "userHandle": websafe_encode(self.user_handle),
                },
                "clientExtensionResults": {},
            }
        )


def stored_credential(user, device: SoftPasskey | None = None) -> dict:
    """What allauth stores for a passkey of `user` made by `device` (a new one unless given): its registration."""
    device = device or SoftPasskey()
    options = {
        "publicKey": {
            "rp": {"id": RP_ID, "name": "Runback"},
            "user": {"id": websafe_encode(str(user.pk).encode())},
            "challenge": websafe_encode(os.urandom(16)),
        }
    }
    return json.loads(device.register(options))
