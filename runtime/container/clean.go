package container

import (
	"context"
	"errors"
	"fmt"

	"github.com/containerd/errdefs"
	"github.com/moby/moby/client"
)

// Engine is what Clean needs of the Docker engine's API.
type Engine interface {
	ContainerList(ctx context.Context, options client.ContainerListOptions) (client.ContainerListResult, error)
	ContainerRemove(ctx context.Context, id string, options client.ContainerRemoveOptions) (client.ContainerRemoveResult, error)
	NetworkList(ctx context.Context, options client.NetworkListOptions) (client.NetworkListResult, error)
	NetworkRemove(ctx context.Context, id string, options client.NetworkRemoveOptions) (client.NetworkRemoveResult, error)
	VolumeList(ctx context.Context, options client.VolumeListOptions) (client.VolumeListResult, error)
	VolumeRemove(ctx context.Context, id string, options client.VolumeRemoveOptions) (client.VolumeRemoveResult, error)
}

// Removed counts what Clean removed.
type Removed struct {
	Containers, Networks, Volumes int
}

// Clean removes every container (running or not), network and volume that
// archbench created, or only those of one deployment when run is not empty.
// Images are kept: they are the build cache. It is what `archbench clean`
// runs after a harness was killed before it could stop its deployments.
func Clean(ctx context.Context, engine Engine, run string) (Removed, error) {
	filters := client.Filters{}.Add("label", LabelManaged+"=true")
	if run != "" {
		filters = filters.Add("label", LabelRun+"="+run)
	}
	var (
		removed Removed
		errs    []error
	)
	ctrs, err := engine.ContainerList(ctx, client.ContainerListOptions{All: true, Filters: filters})
	if err != nil {
		return removed, fmt.Errorf("clean: list containers: %w", err)
	}
	for _, c := range ctrs.Items {
		_, err := engine.ContainerRemove(ctx, c.ID, client.ContainerRemoveOptions{Force: true, RemoveVolumes: true})
		switch {
		case err == nil:
			removed.Containers++
		case !isNotFound(err):
			errs = append(errs, fmt.Errorf("clean: remove container %s: %w", c.ID[:12], err))
		}
	}
	nets, err := engine.NetworkList(ctx, client.NetworkListOptions{Filters: filters})
	if err != nil {
		return removed, errors.Join(append(errs, fmt.Errorf("clean: list networks: %w", err))...)
	}
	for _, n := range nets.Items {
		_, err := engine.NetworkRemove(ctx, n.ID, client.NetworkRemoveOptions{})
		switch {
		case err == nil:
			removed.Networks++
		case !isNotFound(err):
			errs = append(errs, fmt.Errorf("clean: remove network %s: %w", n.Name, err))
		}
	}
	vols, err := engine.VolumeList(ctx, client.VolumeListOptions{Filters: filters})
	if err != nil {
		return removed, errors.Join(append(errs, fmt.Errorf("clean: list volumes: %w", err))...)
	}
	for _, v := range vols.Items {
		_, err := engine.VolumeRemove(ctx, v.Name, client.VolumeRemoveOptions{Force: true})
		switch {
		case err == nil:
			removed.Volumes++
		case !isNotFound(err):
			errs = append(errs, fmt.Errorf("clean: remove volume %s: %w", v.Name, err))
		}
	}
	return removed, errors.Join(errs...)
}

func isNotFound(err error) bool { return errdefs.IsNotFound(err) }

// CleanAll connects to the engine and runs Clean over everything archbench
// created.
func CleanAll(ctx context.Context) (Removed, error) {
	disableRyuk()
	cli, err := client.New(client.FromEnv)
	if err != nil {
		return Removed{}, fmt.Errorf("clean: connect to the Docker engine: %w", err)
	}
	defer cli.Close()
	return Clean(ctx, cli, "")
}
