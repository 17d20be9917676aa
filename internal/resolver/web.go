package resolver

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"path"
	"sort"
	"strings"

	"github.com/skillctl/skillctl/internal/clierr"
	"github.com/skillctl/skillctl/internal/gitfetch"
	"github.com/skillctl/skillctl/internal/snapshot"
	"github.com/skillctl/skillctl/internal/source"
	"github.com/skillctl/skillctl/internal/textsafe"
	"github.com/skillctl/skillctl/internal/wellknown"
)

// Sites and artifacts: a source that names a web site installs skills its well-known index lists; one that
// names an archive or a SKILL.md installs that file. Every artifact's digest is checked against the one
// the index or the source gives before it is unpacked, so a mismatch writes nothing.

// PickSkills names the skills to take from a site's index (install --skill); with none, a site that
// lists one skill gives it, and AllOfPlugins(true) takes every one. It returns r.
func (r *Resolver) PickSkills(names []string) *Resolver {
	r.pick = names
	return r
}

// readIndex reads a site's index (wellknown.Read: the agent-skills index, else the earlier one).
func (r *Resolver) readIndex(ctx context.Context, site string) (*wellknown.Index, error) {
	x, err := wellknown.Read(site, func(u string) ([]byte, string, bool, error) {
		data, served, err := r.world.Git.GetServed(ctx, u, wellknown.MaxIndexSize)
		var we *gitfetch.WebError
		return data, served, errors.As(err, &we) && we.Status == http.StatusNotFound, err
	})
	var ne *wellknown.NoIndexError
	if errors.As(err, &ne) {
		return nil, clierr.WithHint(err, "a site lists its skills at "+site+wellknown.IndexPath, "for a git repository, use its clone URL")
	}
	return x, err
}

// readIndexAt reads the index at indexURL (the lock's), of the earlier form when its path says so; its
// relative URLs resolve against the URL it is served from now, as readIndex's do.
func (r *Resolver) readIndexAt(ctx context.Context, indexURL string) (*wellknown.Index, error) {
	data, served, err := r.world.Git.GetServed(ctx, indexURL, wellknown.MaxIndexSize)
	if err != nil {
		return nil, err
	}
	return wellknown.ParseServed(indexURL, served, data, strings.HasSuffix(indexURL, wellknown.LegacyPath))
}

// site locates the skills raw's site lists that were picked.
func (r *Resolver) site(ctx context.Context, s source.Source, raw string) ([]*Located, error) {
	x, err := r.readIndex(ctx, s.URL)
	if err != nil {
		return nil, err
	}
	var picked []*wellknown.Skill
	switch {
	case len(r.pick) > 0:
		for _, n := range r.pick {
			sk := x.Find(n)
			if sk == nil {
				return nil, clierr.WithHint(fmt.Errorf("%s: the site lists no skill %s", raw, textsafe.Escape(n)),
					"it lists: "+textsafe.Escape(strings.Join(x.Names(), ", ")))
			}
			picked = append(picked, sk)
		}
	case r.all || len(x.Skills) == 1:
		for i := range x.Skills {
			picked = append(picked, &x.Skills[i])
		}
	case len(x.Skills) == 0:
		return nil, fmt.Errorf("%s: the site's index lists no skills", raw)
	default:
		names := x.Names()
		return nil, clierr.WithHint(fmt.Errorf("%s: the site lists %d skills: %s", raw, len(names), textsafe.Escape(strings.Join(names, ", "))),
			r.command()+" "+textsafe.ShellWord(raw)+" --skill "+names[0], "or take every one with --all")
	}
	var out []*Located
	for _, sk := range picked {
		o := Origin{Kind: Web, URL: sk.URL, Digest: sk.Digest, Type: sk.Type, Index: x.URL, Path: sk.Name}
		f, err := r.webFolder(ctx, o, sk.Files)
		if err != nil {
			return nil, err
		}
		if o.Type == wellknown.Files {
			o.Digest = "" // the earlier form has none: the lock's content hash pins the files
		}
		out = append(out, &Located{Origin: o, Folder: f, Source: raw, Label: sk.Name})
	}
	return out, nil
}

// siteInstead reads a git source that has no repository behind it as its site's: a URL over http(s) that
// is neither GitHub shorthand, nor a folder or ref of a repository, nor written as one (….git). ok is false when the site has no index
// either (the caller reports the repository's error, which says more).
func (r *Resolver) siteInstead(ctx context.Context, s source.Source, raw string) ([]*Located, bool, error) {
	u, err := url.Parse(s.Repo)
	if err != nil || s.Shorthand || s.Path != "" || s.Ref != "" || s.TreeRest != nil || s.Host == "github.com" || (u.Scheme != "https" && u.Scheme != "http") ||
		strings.HasSuffix(strings.TrimSuffix(raw, "/"), ".git") {
		return nil, false, nil
	}
	ls, err := r.site(ctx, source.Source{Kind: source.Site, Raw: raw, Host: s.Host, URL: wellknown.Site(u)}, raw)
	var ne *wellknown.NoIndexError
	if errors.As(err, &ne) {
		return nil, false, nil
	}
	return ls, true, err
}

// artifact locates a source that names one archive or SKILL.md. Its digest is checked when the source
// gives one, and recorded otherwise.
func (r *Resolver) artifact(ctx context.Context, s source.Source, raw string) (*Located, error) {
	o := Origin{Kind: Web, URL: s.URL, Digest: s.Digest, Type: wellknown.Archive}
	label := strings.TrimSuffix(strings.TrimSuffix(strings.TrimSuffix(path.Base(s.URL), ".zip"), ".tgz"), ".tar.gz")
	if snapshot.ArchiveKind(s.URL) == "" {
		o.Type, label = wellknown.SkillMD, path.Base(path.Dir(s.URL))
	}
	data, err := r.world.Git.Get(ctx, o.URL, r.limits.MaxTotalSize)
	if err != nil {
		return nil, err
	}
	if o.Digest == "" {
		o.Digest = wellknown.Digest(data)
	}
	f, err := r.unpack(o, data)
	if err != nil {
		return nil, err
	}
	return &Located{Origin: o, Folder: f, Source: raw, Label: label}, nil
}

// unpack checks data against o's digest, then makes it a folder; a mismatch unpacks nothing.
func (r *Resolver) unpack(o Origin, data []byte) (*snapshot.Folder, error) {
	if o.Digest != "" {
		if err := wellknown.Check(o.URL, data, o.Digest); err != nil {
			return nil, clierr.WithHint(err, "the file changed since its digest was published; install it only from a source you trust")
		}
	}
	return wellknown.Folder(o.Type, o.URL, data, r.limits)
}

// webFolder fetches o's files: the artifact, or (the earlier index form) each listed file, within the caps.
func (r *Resolver) webFolder(ctx context.Context, o Origin, files []string) (*snapshot.Folder, error) {
	if o.Type != wellknown.Files {
		data, err := r.world.Git.Get(ctx, o.URL, r.limits.MaxTotalSize)
		if err != nil {
			return nil, err
		}
		return r.unpack(o, data)
	}
	f := &snapshot.Folder{}
	var total int64
	for _, p := range files {
		data, err := r.world.Git.Get(ctx, o.URL+p, r.limits.MaxFileSize)
		if err != nil {
			return nil, err
		}
		if total += int64(len(data)); total > r.limits.MaxTotalSize {
			return nil, fmt.Errorf("%s: over the limit of %d bytes in all (raise it with --max-total-size)", o.URL, r.limits.MaxTotalSize)
		}
		f.Files = append(f.Files, snapshot.File{Path: p, Mode: snapshot.Regular, Data: data})
	}
	sort.Slice(f.Files, func(i, j int) bool { return f.Files[i].Path < f.Files[j].Path })
	return f, nil
}

// loadWeb is Load of a web origin: the artifact checked against its digest, or, for the earlier index
// form, the files the index lists now (the caller checks them against the lock's content hash).
func (r *Resolver) loadWeb(ctx context.Context, o Origin) (*snapshot.Folder, error) {
	if o.Type != wellknown.Files {
		return r.webFolder(ctx, o, nil)
	}
	x, err := r.readIndexAt(ctx, o.Index)
	if err != nil {
		return nil, err
	}
	sk := x.Find(o.Path)
	if sk == nil {
		return nil, fmt.Errorf("%s: lists no skill %s any more", o.Index, o.Path)
	}
	return r.webFolder(ctx, o, sk.Files)
}

// followWeb is Follow of a web origin: what the index that listed it lists under its name now; an
// artifact named directly stays pinned by its digest.
func (r *Resolver) followWeb(ctx context.Context, o Origin) (*Located, error) {
	if o.Index == "" {
		f, err := r.loadWeb(ctx, o)
		if err != nil {
			return nil, err
		}
		return &Located{Origin: o, Folder: f, Source: o.String(), Label: path.Base(o.URL)}, nil
	}
	x, err := r.readIndexAt(ctx, o.Index)
	if err != nil {
		return nil, err
	}
	sk := x.Find(o.Path)
	if sk == nil {
		return nil, clierr.WithHint(fmt.Errorf("%s: lists no skill %s any more", o.Index, o.Path), "skillctl remove "+o.Path+"  # or keep it as it is")
	}
	o.URL, o.Digest, o.Type = sk.URL, sk.Digest, sk.Type
	f, err := r.webFolder(ctx, o, sk.Files)
	if err != nil {
		return nil, err
	}
	if o.Type == wellknown.Files {
		o.Digest = ""
	}
	return &Located{Origin: o, Folder: f, Source: o.Index, Label: o.Path}, nil
}
