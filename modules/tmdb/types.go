package tmdb

// Genre is a TMDB genre.
type Genre struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

// GenreList is the answer of /genre/{movie,tv}/list.
type GenreList struct {
	Genres []Genre `json:"genres"`
}

// Title is a movie or TV show as TMDB lists it (lists, search, trending).
// TV shows use name/original_name/first_air_date; movies
// title/original_title/release_date; trending mixes both with media_type.
type Title struct {
	ID               int64   `json:"id"`
	MediaType        string  `json:"media_type,omitempty"`
	Title            string  `json:"title,omitempty"`
	Name             string  `json:"name,omitempty"`
	OriginalTitle    string  `json:"original_title,omitempty"`
	OriginalName     string  `json:"original_name,omitempty"`
	Overview         string  `json:"overview"`
	ReleaseDate      string  `json:"release_date,omitempty"`
	FirstAirDate     string  `json:"first_air_date,omitempty"`
	OriginalLanguage string  `json:"original_language"`
	PosterPath       *string `json:"poster_path"`
	BackdropPath     *string `json:"backdrop_path"`
	Popularity       float64 `json:"popularity"`
	VoteAverage      float64 `json:"vote_average"`
	VoteCount        int     `json:"vote_count"`
	GenreIDs         []int64 `json:"genre_ids"`
}

// DisplayTitle is the title of a movie or the name of a TV show.
func (t Title) DisplayTitle() string {
	if t.Title != "" {
		return t.Title
	}
	return t.Name
}

// Page is one page of a TMDB list or search.
type Page struct {
	Page         int     `json:"page"`
	Results      []Title `json:"results"`
	TotalPages   int     `json:"total_pages"`
	TotalResults int     `json:"total_results"`
}

// Details are a movie's or TV show's details (/movie/{id}, /tv/{id}).
type Details struct {
	Title
	Genres         []Genre `json:"genres"`
	Runtime        *int    `json:"runtime,omitempty"`          // movies
	EpisodeRunTime []int   `json:"episode_run_time,omitempty"` // TV
	Status         string  `json:"status"`
	Tagline        string  `json:"tagline"`
}

// RuntimeMinutes is a movie's runtime or a TV episode's typical run time.
func (d Details) RuntimeMinutes() *int {
	if d.Runtime != nil && *d.Runtime > 0 {
		return d.Runtime
	}
	if len(d.EpisodeRunTime) > 0 && d.EpisodeRunTime[0] > 0 {
		return &d.EpisodeRunTime[0]
	}
	return nil
}

// Configuration is the part of /configuration that builds image URLs.
type Configuration struct {
	Images struct {
		SecureBaseURL string   `json:"secure_base_url"`
		PosterSizes   []string `json:"poster_sizes"`
		BackdropSizes []string `json:"backdrop_sizes"`
	} `json:"images"`
}

// errorBody is TMDB's error shape: {status_code, status_message, success}
// or, for validation errors, {errors: [...]}.
type errorBody struct {
	StatusCode    int      `json:"status_code"`
	StatusMessage string   `json:"status_message"`
	Errors        []string `json:"errors"`
}
