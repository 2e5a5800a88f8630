package yolo_test

import (
	"fmt"
	"image"
	"log"

	"darkgo/yolo"
)

// Detecting objects with darknet COCO weights: the class count comes from
// the file, the pipeline is SPEC §5.7's.
func Example() {
	k, _, err := yolo.ClassesForFile("yolov3", "yolov3.weights")
	if err != nil {
		log.Fatal(err) // e.g. "… not a yolov3 file for any class count …"
	}
	m := yolo.NewModel(yolo.MustArch("yolov3", k))
	if _, err := m.LoadWeights("yolov3.weights"); err != nil {
		log.Fatal(err)
	}
	det := yolo.NewDetector(m, 0) // 416×416, score 0.3, hard NMS at 0.45
	var img image.Image           // from image.Decode
	dets, err := det.Detect([]image.Image{img})
	if err != nil {
		log.Fatal(err)
	}
	names := yolo.COCONames()
	for _, d := range dets[0] {
		fmt.Printf("%s %.2f (%.0f, %.0f)-(%.0f, %.0f)\n", names[d.Class], d.Score, d.X1, d.Y1, d.X2, d.Y2)
	}
}

// The layer table of YOLOv3-tiny for a non-square input.
func ExamplePlan_WriteTable() {
	p, err := yolo.MustArch("yolov3-tiny", 80).NewPlan(320, 416)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%d layers, %.3f BFLOPs\n", len(p.Arch.Layers), float64(p.TotalFLOPs())/1e9)
	// Output: 24 layers, 4.281 BFLOPs
}
