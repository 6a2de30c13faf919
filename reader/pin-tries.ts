// A certificate card's PIN rule, kept by the helper for every backend: 自然人憑證 and 工商憑證 lock after
// 3 wrong PINs in a row, and the person is told how many tries remain before that happens. A card (or
// its PKCS#11 module) that reports its own count is believed when it says fewer tries remain; many
// modules say nothing or only "last try" (SoftHSM2 never locks at all), so the helper also counts, per
// card, since it started, and refuses the card once the tries are used up. A right PIN clears the count.

import { pinWrong, ReaderError } from "./errors.ts";

export const MAX_PIN_TRIES = 3;

export class PinTries {
	readonly #wrong = new Map<string, number>();

	isLocked(card: string): boolean {
		return (this.#wrong.get(card) ?? 0) >= MAX_PIN_TRIES;
	}

	/** Throws PIN_LOCKED when `card` has no tries left, before its PIN is tried. */
	assertUnlocked(card: string): void {
		if (this.isLocked(card)) throw new ReaderError("PIN_LOCKED");
	}

	/**
	 * Counts a wrong PIN for `card` and returns what to tell the person: PIN_WRONG with the tries left,
	 * or PIN_LOCKED when none are. `cardSays`: the tries left as the card reports them, when it does.
	 */
	wrong(card: string, cardSays: number | null = null): ReaderError {
		const wrong = (this.#wrong.get(card) ?? 0) + 1;
		const left = Math.min(MAX_PIN_TRIES - wrong, cardSays ?? MAX_PIN_TRIES);
		if (left <= 0) {
			this.#wrong.set(card, MAX_PIN_TRIES);
			return new ReaderError("PIN_LOCKED");
		}
		this.#wrong.set(card, MAX_PIN_TRIES - left);
		return pinWrong(left);
	}

	right(card: string): void {
		this.#wrong.delete(card);
	}
}
