package container

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/moby/moby/client"
	"github.com/testcontainers/testcontainers-go"

	"github.com/archbench/archbench/runtime/gobuild"
)

// dockerfile puts one static binary alone in an image. TMPDIR points into
// the data volume, since a scratch image has no /tmp.
const dockerfile = `FROM scratch
COPY app /app
ENV TMPDIR=/data
ENTRYPOINT ["/app"]
`

// image returns the tag of an image holding the binary bin, building it
// unless an image of the same content is in the engine already.
func (r *Runtime) image(ctx context.Context, bin string) (string, error) {
	r.imagesMu.Lock()
	defer r.imagesMu.Unlock()
	if tag, ok := r.images[bin]; ok {
		return tag, nil
	}
	sum, err := fileHash(bin)
	if err != nil {
		return "", fmt.Errorf("image of %s: %w", bin, err)
	}
	repo := "archbench/" + safeName(filepath.Base(bin))
	tag := repo + ":" + sum[:16]
	if _, err := r.provider.Client().ImageInspect(ctx, tag); err == nil {
		r.images[bin] = tag
		return tag, nil
	}
	dir, err := os.MkdirTemp(r.workDir, "image-")
	if err != nil {
		return "", fmt.Errorf("image %s: %w", tag, err)
	}
	defer os.RemoveAll(dir)
	if err := copyFile(bin, filepath.Join(dir, "app")); err != nil {
		return "", fmt.Errorf("image %s: %w", tag, err)
	}
	if err := os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte(dockerfile), 0o644); err != nil {
		return "", fmt.Errorf("image %s: %w", tag, err)
	}
	started := time.Now()
	_, err = r.provider.BuildImage(ctx, &testcontainers.ContainerRequest{FromDockerfile: testcontainers.FromDockerfile{
		Context: dir, Dockerfile: "Dockerfile", Repo: repo, Tag: sum[:16], KeepImage: true,
		BuildOptionsModifier: func(o *client.ImageBuildOptions) {
			o.Labels = map[string]string{LabelManaged: "true"}
			o.Remove, o.ForceRemove = true, true
		},
	}})
	if err != nil {
		return "", fmt.Errorf("build image %s: %w", tag, err)
	}
	r.log.Info("built image", "image", tag, "package", gobuild.ExecName(bin), "took", time.Since(started).Round(time.Millisecond))
	r.built++
	r.images[bin] = tag
	return tag, nil
}

func fileHash(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o755)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
