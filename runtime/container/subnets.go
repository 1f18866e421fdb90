package container

import (
	"context"
	"fmt"
	"net/netip"

	"github.com/moby/moby/client"
)

// networkLister is what managedSubnets needs of the Docker engine's API.
type networkLister interface {
	NetworkList(ctx context.Context, options client.NetworkListOptions) (client.NetworkListResult, error)
}

// ManagedSubnets connects to the Docker engine and returns the subnets of
// the networks archbench created (labelled LabelManaged): the addresses at
// which the harness reaches its containers, and the only ones off loopback
// that archbench puts load on.
func ManagedSubnets(ctx context.Context) ([]netip.Prefix, error) {
	disableRyuk()
	cli, err := client.New(client.FromEnv)
	if err != nil {
		return nil, fmt.Errorf("connect to the Docker engine: %w", err)
	}
	defer cli.Close()
	return managedSubnets(ctx, cli)
}

// managedSubnets lists the subnets of the networks labelled LabelManaged.
func managedSubnets(ctx context.Context, engine networkLister) ([]netip.Prefix, error) {
	nets, err := engine.NetworkList(ctx, client.NetworkListOptions{Filters: client.Filters{}.Add("label", LabelManaged+"=true")})
	if err != nil {
		return nil, fmt.Errorf("list archbench's networks: %w", err)
	}
	var subnets []netip.Prefix
	for _, n := range nets.Items {
		for _, c := range n.IPAM.Config {
			if c.Subnet.IsValid() {
				subnets = append(subnets, c.Subnet)
			}
		}
	}
	return subnets, nil
}
