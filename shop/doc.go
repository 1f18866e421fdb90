// Package shop holds the online shop's business rules, written once and
// reused by every architecture variant: the product catalog and how it is
// seeded, carts and their limits, order totals and the order state machine,
// and the error kinds that every variant maps to the same HTTP status codes.
//
// Nothing here does I/O. Persistence lives in shop/sqlstore, the wire
// contract in shop/api, and composition (which component runs in which
// process) in variants/.
package shop
