package yolo

import "strings"

// cocoNames are the 80 class names of the COCO darknet weights, in class-id
// order (darknet's data/coco.names), with '_' standing for a space.
var cocoNames = strings.Fields(`person bicycle car motorbike aeroplane bus train truck boat
traffic_light fire_hydrant stop_sign parking_meter bench bird cat dog horse sheep cow
elephant bear zebra giraffe backpack umbrella handbag tie suitcase frisbee skis snowboard
sports_ball kite baseball_bat baseball_glove skateboard surfboard tennis_racket bottle
wine_glass cup fork knife spoon bowl banana apple sandwich orange broccoli carrot hot_dog
pizza donut cake chair sofa pottedplant bed diningtable toilet tvmonitor laptop mouse
remote keyboard cell_phone microwave oven toaster sink refrigerator book clock vase
scissors teddy_bear hair_drier toothbrush`)

// COCONames returns the 80 COCO class names in class-id order.
func COCONames() []string {
	out := make([]string, len(cocoNames))
	for i, n := range cocoNames {
		out[i] = strings.ReplaceAll(n, "_", " ")
	}
	return out
}
