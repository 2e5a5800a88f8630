package metrics

// Box is a box in corner form (x1, y1, x2, y2), in pixels of the original
// image. Coordinates may have fractions.
type Box struct {
	X1, Y1, X2, Y2 float64
}

// IoUVOC is the matching IoU of the VOC tools and the seed (SPEC §9.2 step
// 6): coordinates are inclusive pixel indices, so a box covers
// (x2 − x1 + 1)·(y2 − y1 + 1) pixels:
//
//	iw = min(a.x2, b.x2) − max(a.x1, b.x1) + 1, likewise ih
//	IoU = iw·ih / ((wa+1)(ha+1) + (wb+1)(hb+1) − iw·ih)   if iw > 0 and ih > 0
//
// and 0 otherwise.
func IoUVOC(a, b Box) float64 {
	iw := min(a.X2, b.X2) - max(a.X1, b.X1) + 1
	ih := min(a.Y2, b.Y2) - max(a.Y1, b.Y1) + 1
	if iw <= 0 || ih <= 0 {
		return 0
	}
	inter := iw * ih
	ua := (a.X2-a.X1+1)*(a.Y2-a.Y1+1) + (b.X2-b.X1+1)*(b.Y2-b.Y1+1) - inter
	return inter / ua
}

// xywh is a box as COCO stores it: top-left corner, width, height.
type xywh struct{ x, y, w, h float64 }

func toXYWH(b Box) xywh { return xywh{b.X1, b.Y1, b.X2 - b.X1, b.Y2 - b.Y1} }

// iouCOCO is pycocotools' box IoU (maskApi.c bbIou, no crowd): continuous
// coordinates, no +1, computed on (x, y, w, h) in the same operation order.
func iouCOCO(d, g xywh) float64 {
	ow := min(d.x+d.w, g.x+g.w) - max(d.x, g.x)
	if ow <= 0 {
		return 0
	}
	oh := min(d.y+d.h, g.y+g.h) - max(d.y, g.y)
	if oh <= 0 {
		return 0
	}
	i := ow * oh
	return i / (d.w*d.h + g.w*g.h - i)
}

// IoU is the plain intersection over union of two corner boxes, with no +1
// (the COCO convention): 0 when they do not overlap.
func IoU(a, b Box) float64 { return iouCOCO(toXYWH(a), toXYWH(b)) }
