package contents

import "github.com/reelview/reelview/ent"

// Genre is a movie or TV genre.
type Genre struct {
	ID     int    `json:"id" example:"12"`
	Type   string `json:"type" enum:"movie,tv" example:"movie"`
	Name   string `json:"name" example:"Adventure"`
	TmdbID *int64 `json:"tmdb_id" nullable:"true" example:"12" doc:"The TMDB genre id this genre maps to, if any."`
}

func genreFromEnt(g *ent.Genre) Genre {
	return Genre{ID: g.ID, Type: string(g.Type), Name: g.Name, TmdbID: g.TmdbID}
}
