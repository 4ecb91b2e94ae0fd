package telegram

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"path"

	"github.com/batonbot/baton/flows"
)

// FetchMedia downloads a file a customer sent: getFile for its path, then
// {base}/file/bot{token}/{file_path}. It refuses files over max bytes
// with flows.ErrMediaTooLarge (the Bot API itself serves at most 20 MB).
func (s *Sender) FetchMedia(ctx context.Context, m flows.Media, max int64) (flows.MediaFile, error) {
	if m.ID == "" {
		return flows.MediaFile{}, &flows.ChannelError{Channel: flows.ChannelTelegram, Message: "media " + m.Kind + " has no file_id to download"}
	}
	res, err := s.call(ctx, "getFile", map[string]string{"file_id": m.ID})
	if err != nil {
		return flows.MediaFile{}, err
	}
	var f struct {
		FileSize int64  `json:"file_size"`
		FilePath string `json:"file_path"`
	}
	if json.Unmarshal(res, &f) != nil || f.FilePath == "" {
		return flows.MediaFile{}, &flows.ChannelError{Channel: flows.ChannelTelegram, Message: "getFile: no file_path in the answer"}
	}
	if f.FileSize > max {
		return flows.MediaFile{}, fmt.Errorf("telegram: file is %d bytes, over %d: %w", f.FileSize, max, flows.ErrMediaTooLarge)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.o.baseURL+"/file/bot"+s.token+"/"+f.FilePath, nil)
	if err != nil {
		return flows.MediaFile{}, &flows.ChannelError{Channel: flows.ChannelTelegram, Message: "bad file_path"}
	}
	resp, err := s.o.client.Do(req)
	if err != nil {
		return flows.MediaFile{}, &flows.ChannelError{Channel: flows.ChannelTelegram, Temporary: true, Message: "downloading the file failed"}
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return flows.MediaFile{}, &flows.ChannelError{Channel: flows.ChannelTelegram, Status: resp.StatusCode, Temporary: resp.StatusCode >= 500, Message: "downloading the file: " + resp.Status}
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, max+1))
	if err != nil {
		return flows.MediaFile{}, &flows.ChannelError{Channel: flows.ChannelTelegram, Temporary: true, Message: "downloading the file: " + err.Error()}
	}
	if int64(len(data)) > max {
		return flows.MediaFile{}, fmt.Errorf("telegram: file over %d bytes: %w", max, flows.ErrMediaTooLarge)
	}
	out := flows.MediaFile{Name: m.Filename, MIME: m.MIME, Data: data}
	if out.Name == "" {
		out.Name = path.Base(f.FilePath)
	}
	if out.MIME == "" {
		out.MIME = mime.TypeByExtension(path.Ext(f.FilePath))
	}
	return out, nil
}
