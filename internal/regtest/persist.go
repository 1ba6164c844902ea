package regtest

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/btcsuite/btcd/wire/v2"
)

// btcd deletes its regtest block database every time it starts. To let a
// node restart (Restart) or a kept directory reopen (Options.Dir) with its
// chain, the harness saves the chain's raw blocks before stopping btcd and
// submits them again after starting it.

// chainFile holds the saved blocks: for each block from height 1 up, a
// 4-byte little-endian length and the serialized block.
const chainFile = "chain.blocks"

// saveChain writes the node's blocks to the chain file, atomically.
func (n *Node) saveChain(ctx context.Context) error {
	tip, _, err := n.chain.Tip(ctx)
	if err != nil {
		return err
	}
	f, err := os.CreateTemp(n.dir, chainFile+".*")
	if err != nil {
		return fmt.Errorf("unable to save the chain: %w", err)
	}
	defer os.Remove(f.Name())
	defer f.Close()
	w := bufio.NewWriter(f)
	for from := int32(1); from <= tip; from += syncChunk {
		blocks, err := n.chain.Blocks(ctx, from, min(tip, from+syncChunk-1))
		if err != nil {
			return fmt.Errorf("unable to save the chain: %w", err)
		}
		for _, b := range blocks {
			var buf bytes.Buffer
			if err := b.Msg.Serialize(&buf); err != nil {
				return fmt.Errorf("unable to save block %d: %w", b.Height, err)
			}
			_ = binary.Write(w, binary.LittleEndian, uint32(buf.Len()))
			_, _ = w.Write(buf.Bytes())
		}
	}
	if err := w.Flush(); err != nil {
		return fmt.Errorf("unable to save the chain: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("unable to save the chain: %w", err)
	}
	if err := os.Rename(f.Name(), filepath.Join(n.dir, chainFile)); err != nil {
		return fmt.Errorf("unable to save the chain: %w", err)
	}
	return nil
}

// replayChain submits the saved blocks, if any, to a freshly started node.
func (n *Node) replayChain(ctx context.Context) error {
	f, err := os.Open(filepath.Join(n.dir, chainFile))
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("unable to restore the chain: %w", err)
	}
	defer f.Close()
	r := bufio.NewReader(f)
	for height := 1; ; height++ {
		var size uint32
		if err := binary.Read(r, binary.LittleEndian, &size); errors.Is(err, io.EOF) {
			return nil
		} else if err != nil {
			return fmt.Errorf("saved chain is damaged at block %d: %w", height, err)
		}
		raw := make([]byte, size)
		if _, err := io.ReadFull(r, raw); err != nil {
			return fmt.Errorf("saved chain is damaged at block %d: %w", height, err)
		}
		if err := n.submitBlock(ctx, raw); err != nil {
			return fmt.Errorf("unable to restore block %d: %w", height, err)
		}
	}
}

func (n *Node) submitBlock(ctx context.Context, raw []byte) error {
	var msg wire.MsgBlock
	if err := msg.Deserialize(bytes.NewReader(raw)); err != nil {
		return err
	}
	var reason *string
	if err := n.chain.Call(ctx, "submitblock", &reason, hex.EncodeToString(raw)); err != nil {
		return err
	}
	if reason != nil && *reason != "" && *reason != "duplicate" {
		return fmt.Errorf("node refused block %s: %s", msg.BlockHash(), *reason)
	}
	return nil
}
