import { SIGNATURE_DOMAIN } from "../crypto/domain.js";
import type { Signer } from "../crypto/ed25519.js";
import { base45Encode } from "../encoding/base45.js";
import { concatBytes } from "../encoding/bytes.js";
import { encodeVoucherBody, VOUCHER_TEXT_PREFIX, type VoucherClaims } from "./layout.js";

export interface IssuedVoucher {
  /** What goes into the QR code: "CP2:" + base45, QR alphanumeric mode. */
  readonly text: string;
  /** The binary voucher (body ‖ signature): what sale records carry as evidence. */
  readonly bytes: Uint8Array;
}

/** Signs the claims with the ground's issuer key. Throws `invalid_argument` on bad claims. */
export function issueVoucher(claims: VoucherClaims, issuer: Signer): IssuedVoucher {
  const body = encodeVoucherBody(claims, issuer.keyId);
  const signature = issuer.sign(concatBytes(SIGNATURE_DOMAIN.voucher, body));
  const bytes = concatBytes(body, signature);
  return { text: VOUCHER_TEXT_PREFIX + base45Encode(bytes), bytes };
}
