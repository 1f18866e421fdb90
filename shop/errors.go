package shop

import "errors"

// Error kinds. Variants wrap them with context
// (fmt.Errorf("product %d: %w", id, shop.ErrNotFound)) and the API layer maps
// each kind to one status code, so every variant answers alike.
var (
	// ErrInvalid marks a request that breaks a validation rule.
	ErrInvalid = errors.New("invalid argument")
	// ErrNotFound marks a reference to a product, cart or order that does not exist.
	ErrNotFound = errors.New("not found")
	// ErrOutOfStock marks a checkout that asks for more than is in stock.
	ErrOutOfStock = errors.New("out of stock")
	// ErrEmptyCart marks a checkout of a cart with no items.
	ErrEmptyCart = errors.New("cart is empty")
	// ErrCartFull marks an addition beyond the cart's line or quantity limits.
	ErrCartFull = errors.New("cart limit reached")
	// ErrPaymentDeclined marks a charge the payment provider refused.
	ErrPaymentDeclined = errors.New("payment declined")
	// ErrPaymentUnavailable marks a charge whose outcome could not be had in
	// time; the order is failed and its stock released.
	ErrPaymentUnavailable = errors.New("payment provider unavailable")
	// ErrConflict marks a request that clashes with the resource's state, such
	// as an idempotency key reused for a different cart.
	ErrConflict = errors.New("conflict")
)
