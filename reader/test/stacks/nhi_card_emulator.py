#!/usr/bin/env python3
"""An emulated NHI card (健保卡) in vsmartcard's virtual reader (vpcd), for the reader helper's PC/SC tests.

vsmartcard's VirtualICC (python3-virtualsmartcard) connects to vpcd, the IFD handler that pcscd loads
for a reader.conf entry, and hands each command APDU to the card object below. The card is "inserted"
while this process is connected and "removed" when it exits. It answers what reader/nhi-apdu.ts sends
(SPEC section 8):

  SELECT  00 A4 04 00 10 D1 58 00 00 01 00 00 00 00 00 00 00 00 00 11 00   -> 90 00
  READ    00 CA 11 00 02 00 00                                            -> 61 39 (57 bytes wait)
  GET RESPONSE 00 C0 00 00 Le                                             -> up to 32 bytes, then 61 xx
                                                                             for the rest, last part 90 00

so the helper has to follow 61xx chaining over several GET RESPONSEs. The 57-byte profile: card no.
12 ASCII | name 20 bytes Big5, NUL-padded | ID 10 | birth date 7 (ROC) | sex 1 | issue date 7 (ROC).
With --no-nhi-applet it is some other card: SELECT of the NHI applet answers 6A 82 (file not found).

Usage: nhi_card_emulator.py --port 35963 --card '{"cardNo": "...", "name": "...", "idNo": "...",
       "birthDate": "0780512", "sex": "F", "issuedOn": "1050713"}'
"""

import argparse
import json
import logging
import sys
import types

# Debian bookworm's python3-virtualsmartcard installs the package outside the interpreter's path.
sys.path.append("/usr/lib/python3/site-packages/virtualsmartcard")
# Its CardGenerator pulls in the emulator's own crypto (and PyCrypto, which Debian no longer has); this
# card needs neither, so the module is stood in for before VirtualSmartcard imports it.
sys.modules["virtualsmartcard.CardGenerator"] = types.SimpleNamespace(CardGenerator=None)

from virtualsmartcard.VirtualSmartcard import SmartcardOS, VirtualICC  # noqa: E402

SELECT_NHI_APPLET = bytes.fromhex("00A4040010D1580000010000000000000000001100")
READ_PROFILE = bytes.fromhex("00CA1100020000")
GET_RESPONSE_HEADER = bytes.fromhex("00C00000")
# A genuine NHI card's ATR (T=1), as listed in pcsc-tools' smartcard_list.txt.
NHI_ATR = bytes.fromhex("3BFC1800008131FE458073C8211366020403550002D2")
# GET RESPONSE hands out at most this many bytes, so the 57-byte profile takes two of them.
CHUNK = 32

SW_OK = b"\x90\x00"
SW_FILE_NOT_FOUND = b"\x6a\x82"
SW_WRONG_LENGTH = b"\x67\x00"
SW_CONDITIONS_NOT_SATISFIED = b"\x69\x85"
SW_INS_NOT_SUPPORTED = b"\x6d\x00"


def profile(card):
    """The 57-byte basic-data profile of `card` (a dict as in the module docstring)."""
    name = card["name"].encode("big5")
    if len(name) > 20:
        raise ValueError("the name takes more than 20 bytes in Big5")
    data = (
        card["cardNo"].encode("ascii")
        + name.ljust(20, b"\x00")
        + card["idNo"].encode("ascii")
        + card["birthDate"].encode("ascii")
        + card["sex"].encode("ascii")
        + card["issuedOn"].encode("ascii")
    )
    if len(data) != 57:
        raise ValueError("the profile is %d bytes, not 57" % len(data))
    return data


class NhiCardOS(SmartcardOS):
    def __init__(self, card, nhi_applet=True):
        self.profile = profile(card) if card else b""
        self.nhi_applet = nhi_applet
        self.reset()

    def getATR(self):
        return NHI_ATR

    def powerUp(self):
        self.reset()

    def reset(self):
        self.selected = False
        self.pending = b""

    def execute(self, msg):
        apdu = bytes(msg)
        if apdu == SELECT_NHI_APPLET:
            if not self.nhi_applet:
                return SW_FILE_NOT_FOUND
            self.selected = True
            self.pending = b""
            return SW_OK
        if apdu == READ_PROFILE:
            if not self.selected:
                return SW_CONDITIONS_NOT_SATISFIED
            self.pending = self.profile
            return bytes([0x61, len(self.pending)])
        if apdu[:4] == GET_RESPONSE_HEADER and len(apdu) == 5:
            if not self.pending:
                return SW_CONDITIONS_NOT_SATISFIED
            wanted = apdu[4] or 256
            if wanted > len(self.pending):
                return SW_WRONG_LENGTH
            part = self.pending[: min(wanted, CHUNK)]
            self.pending = self.pending[len(part):]
            if self.pending:
                return part + bytes([0x61, len(self.pending)])
            return part + SW_OK
        return SW_INS_NOT_SUPPORTED


class NhiCard(VirtualICC):
    """VirtualICC's vpcd conversation (run()) with NhiCardOS as the card."""

    def __init__(self, card_os, host, port):
        self.os = card_os
        self.type = "nhi"
        self.host = host
        self.port = port
        self.server_sock = None
        self.sock = self.connectToPort(host, port)
        self.sock.settimeout(None)
        logging.info("NHI card inserted into the virtual reader at %s:%u", host, port)


def main():
    parser = argparse.ArgumentParser(description="An emulated NHI card in vsmartcard's vpcd reader.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True, help="the vpcd reader's port (reader.conf CHANNELID)")
    parser.add_argument("--card", help="the card's basic data as JSON")
    parser.add_argument("--no-nhi-applet", action="store_true", help="a card without the NHI applet (SELECT answers 6A 82)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s [%(levelname)s] %(message)s")
    card = json.loads(args.card) if args.card else None
    if card is None and not args.no_nhi_applet:
        parser.error("--card is required unless --no-nhi-applet")
    NhiCard(NhiCardOS(card, nhi_applet=not args.no_nhi_applet), args.host, args.port).run()


if __name__ == "__main__":
    main()
