## Trips: catalogue, card, registration, my trips (members' side).

error-organisers-only = Гэтае дзеянне даступнае толькі арганізатарам.
error-date-format = Дата не распазнана. Напішыце яе так: 15.03.2027
error-datetime-format = Дата не распазнана. Напішыце так: 15.03.2027 або 15.03.2027 09:30
error-choice = Калі ласка, выберыце адзін з варыянтаў кнопкай.

trip-error-not-found = Паездка не знойдзена: магчыма, яе выдалілі.
trip-error-title = Назва не можа быць пустой.
trip-error-same-city = Горад адпраўлення і горад прызначэння павінны адрознівацца.
trip-error-start-past = Дата пачатку ўжо мінула. Пазначце дату ў будучыні.
trip-error-end-before-start = Дата заканчэння не можа быць раней за дату пачатку.
trip-error-deadline = Запіс павінен заканчвацца раней за пачатак паездкі.
trip-error-deadline-past = Тэрмін запісу ўжо мінуў. Пазначце дату ў будучыні.
trip-error-capacity = Колькасць месцаў — цэлы лік ад { $low } да { $high }.
trip-error-question-keys = У двух пытанняў аднолькавы ключ; ключы пытанняў павінны адрознівацца.

reg-error-cancelled = Запіс немагчымы: паездка адменена.
reg-error-finished = Запіс немагчымы: паездка ўжо пачалася або завяршылася.
reg-error-closed = Запіс на гэтую паездку зараз закрыты.
reg-error-deadline = Запіс немагчымы: тэрмін запісу скончыўся.
reg-error-already = Вы ўжо запісаныя на гэтую паездку. Статус — у раздзеле «Мае паездкі».
reg-error-missing-answer = Не хапае адказу на абавязковае пытанне «{ $question }».
reg-error-not-found = Запіс не знойдзены.
reg-error-not-active = Гэты запіс ужо адменены або адхілены.
reg-error-answers-locked = Адказы больш нельга змяніць: тэрмін запісу скончыўся або запіс закрыты.
